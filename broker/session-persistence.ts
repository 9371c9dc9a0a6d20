// The broker's persistent sessions: subscriptions and QoS 1 queues of clients with a persistent session
// (the ingest above all), kept in memory (indexed-persistence.ts) and, unless run memory-only, in a
// journal on disk that is replayed at start, so a broker restart — SIGTERM or kill -9 — loses none of them.
//
// aedes writes a QoS 1 PUBACK before it enqueues the message for offline subscribers (lib/handlers/
// publish.js), so enqueueing is too late to make an acknowledged message durable. `admit` runs in
// authorizePublish, before the PUBACK: it queues the message for every persistent session subscribed to
// it, writes it to the journal and returns once the write is done; aedes' own enqueue a moment later
// finds it there (by the payload buffer, which aedes passes on unchanged) and only gives it the broker
// counter its live delivery will use. `admit` also holds publishers when the queues are full (the
// back-pressure of the queue bound), and deliveries to a session are limited to a window of unacknowledged
// messages with unique packet ids (aedes would send without limit and reuse ids past 65,535).
import { Readable } from 'node:stream';
import { FSYNC_POLICIES, Journal, type FsyncPolicy } from './journal.js';
import { IndexedMemoryPersistence, Packet, type ClientRef, type QueuedPacket } from './indexed-persistence.js';

export { FSYNC_POLICIES, type FsyncPolicy };

/** Broker id of messages queued by `admit` or replayed from the journal, until aedes' enqueue gives them its own. */
const ADMITTED = 'admitted';
const COMPACT_MIN_BYTES = 64 << 20;
/**
 * What a queued message costs in memory besides its payload and topic, per session it waits for (the message,
 * its packet in the queue, the queue's indexes), counted against maxQueueBytes so that the bound is the queue's
 * memory, not only its payloads. bench/broker-queue-memory.ts measures ~810 B for a station's message (942 B in
 * all, 133 B of it payload and topic); rounded up for the socket chunks that parsed payloads keep alive.
 */
export const QUEUED_MESSAGE_OVERHEAD_BYTES = 1024;
/** Publishers held at the bound are let go once the queues are this far below it. */
const LOW_WATER = 0.9;

enum Kind {
  Enqueue = 1,
  Ack = 2,
  Subscribe = 3,
  Unsubscribe = 4,
  Clean = 5,
}

interface Message {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  clients: Set<string>;
  /** Counted against the queue bound: payload, topic and QUEUED_MESSAGE_OVERHEAD_BYTES per session. */
  bytes: number;
}

interface Subscription {
  topic: string;
  qos: 0 | 1 | 2;
}

/** Why a delivery waiting for a window slot did not happen: its client went away (the message stays queued). */
export class DeliveryAbandoned extends Error {
  constructor() {
    super('delivery abandoned: client disconnected');
    this.name = 'DeliveryAbandoned';
  }
}

export interface SessionPersistenceOptions {
  /** Journal directory; null keeps the sessions in memory only (lost on restart). */
  dir: string | null;
  fsync: FsyncPolicy;
  /** Bound on the memory of the messages queued for persistent sessions; publishers wait for room beyond it. */
  maxQueueBytes: number;
  /** Messages sent to one session and not yet acknowledged (each holds a packet id, so below 65,535). */
  maxInFlight: number;
  /**
   * A session whose window stays full this long without an acknowledgement is reported to `onStalled`
   * (to be disconnected): its waiting deliveries hold their publishers, as a socket that does not drain would.
   */
  stallTimeoutMs: number;
  onStalled?: (client: ClientRef) => void;
  onBackpressure?: (active: boolean, queuedBytes: number) => void;
  onJournalError?: (err: Error) => void;
  /** Bytes of a damaged journal tail found at start, moved aside to `file`. */
  onBadTail?: (bytes: number, file: string) => void;
  /** The journal was rewritten as a snapshot: its size before and after. */
  onCompacted?: (before: number, after: number) => void;
}

interface Window {
  reserved: number;
  stall?: NodeJS.Timeout;
  waiters: Array<{ client: ClientRef; resolve: () => void; reject: (err: Error) => void }>;
}

const encodeJson = (kind: Kind, value: unknown) => Buffer.concat([Buffer.from([kind]), Buffer.from(JSON.stringify(value))]);

function encodeEnqueue(id: number, m: Pick<Message, 'topic' | 'payload' | 'qos' | 'retain'>, clients: Iterable<string>): Buffer {
  const header = Buffer.from(JSON.stringify({ c: [...clients], t: m.topic, q: m.qos, r: m.retain }));
  const head = Buffer.allocUnsafe(11);
  head.writeUInt8(Kind.Enqueue, 0);
  head.writeDoubleLE(id, 1);
  head.writeUInt16LE(header.length, 9);
  return Buffer.concat([head, header, m.payload]);
}

function encodeAck(id: number, clientId: string): Buffer {
  const head = Buffer.allocUnsafe(9);
  head.writeUInt8(Kind.Ack, 0);
  head.writeDoubleLE(id, 1);
  return Buffer.concat([head, Buffer.from(clientId)]);
}

export class SessionPersistence extends IndexedMemoryPersistence {
  readonly #options: SessionPersistenceOptions;
  #journal: Journal | null = null;
  #lastId = 0;
  readonly #messages = new Map<number, Message>();
  readonly #subscriptions = new Map<string, Map<string, 0 | 1 | 2>>();
  /** aedes' packets this broker admitted, by payload buffer, until aedes enqueues them. */
  readonly #admitted = new WeakMap<Buffer, Map<string, QueuedPacket>>();
  readonly #windows = new Map<string, Window>();
  #queuedBytes = 0;
  #compactAt = COMPACT_MIN_BYTES;
  #compactScheduled = false;
  #held: Array<() => void> = [];
  #holding = false;

  constructor(options: SessionPersistenceOptions) {
    super({});
    this.#options = options;
  }

  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  get queuedMessages(): number {
    return this.#messages.size;
  }

  get journalBytes(): number {
    return this.#journal?.size ?? 0;
  }

  get backpressure(): boolean {
    return this.#holding;
  }

  override async setup(broker: unknown): Promise<void> {
    await super.setup(broker);
    if (this.#options.dir === null) return;
    const { journal, replay } = Journal.open({ dir: this.#options.dir, fsync: this.#options.fsync, onError: this.#options.onJournalError });
    this.#journal = journal;
    if (replay.badTailFile) this.#options.onBadTail?.(replay.badTailBytes, replay.badTailFile);
    for (const body of replay.records) this.#apply(body);
    for (const [clientId, topics] of this.#subscriptions) {
      await super.addSubscriptions(
        { id: clientId },
        [...topics].map(([topic, qos]) => ({ topic, qos })),
      );
    }
    for (const [id, m] of this.#messages) {
      for (const clientId of m.clients) this.queue(clientId).push(this.#entry(id, m));
    }
    this.#compactAt = Math.max(COMPACT_MIN_BYTES, 2 * journal.size);
  }

  /** Replays one journal record into the maps (not into the queues: that happens once, in order, after). */
  #apply(body: Buffer): void {
    switch (body[0] as Kind) {
      case Kind.Enqueue: {
        const id = body.readDoubleLE(1);
        const headerEnd = 11 + body.readUInt16LE(9);
        const h = JSON.parse(body.subarray(11, headerEnd).toString()) as { c: string[]; t: string; q: number; r: boolean };
        const payload = Buffer.from(body.subarray(headerEnd));
        this.#remember(id, { topic: h.t, payload, qos: h.q, retain: h.r, clients: new Set(h.c), bytes: 0 });
        this.#lastId = Math.max(this.#lastId, id);
        break;
      }
      case Kind.Ack:
        this.#forget(body.readDoubleLE(1), body.subarray(9).toString());
        break;
      case Kind.Subscribe: {
        const { c, s } = JSON.parse(body.subarray(1).toString()) as { c: string; s: Subscription[] };
        this.#noteSubscriptions(c, s);
        break;
      }
      case Kind.Unsubscribe: {
        const { c, t } = JSON.parse(body.subarray(1).toString()) as { c: string; t: string[] };
        for (const topic of t) this.#subscriptions.get(c)?.delete(topic);
        break;
      }
      case Kind.Clean:
        this.#subscriptions.delete(body.subarray(1).toString());
        break;
    }
  }

  #remember(id: number, m: Message): void {
    m.bytes = m.payload.length + Buffer.byteLength(m.topic) + QUEUED_MESSAGE_OVERHEAD_BYTES * m.clients.size;
    this.#messages.set(id, m);
    this.#queuedBytes += m.bytes;
  }

  /** One client is done with message `id`; the message goes when no client needs it. */
  #forget(id: number, clientId: string): void {
    const m = this.#messages.get(id);
    if (!m?.clients.delete(clientId) || m.clients.size > 0) return;
    this.#messages.delete(id);
    this.#queuedBytes -= m.bytes;
  }

  #noteSubscriptions(clientId: string, subs: Subscription[]): void {
    let topics = this.#subscriptions.get(clientId);
    if (!topics) this.#subscriptions.set(clientId, (topics = new Map()));
    for (const sub of subs) topics.set(sub.topic, sub.qos);
  }

  #entry(id: number, m: Message): QueuedPacket {
    const entry = new Packet({ cmd: 'publish', topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, brokerId: ADMITTED, brokerCounter: id });
    entry.journalId = id;
    return entry;
  }

  /** Journals a new message for `clients` and queues it for each of them. */
  #enqueue(packet: QueuedPacket, clients: string[], done?: (err: Error | null) => void): Map<string, QueuedPacket> {
    const id = ++this.#lastId;
    const m: Message = {
      topic: packet.topic as string,
      payload: packet.payload as Buffer,
      qos: packet.qos as number,
      retain: Boolean(packet.retain),
      clients: new Set(clients),
      bytes: 0,
    };
    if (this.#journal) this.#journal.append(encodeEnqueue(id, m, clients), done);
    else if (done) queueMicrotask(() => done(null));
    this.#remember(id, m);
    const entries = new Map<string, QueuedPacket>();
    for (const clientId of clients) {
      const entry = this.#entry(id, m);
      this.queue(clientId).push(entry);
      entries.set(clientId, entry);
    }
    return entries;
  }

  /**
   * Called in authorizePublish for an accepted QoS 1/2 publish, before aedes sends the PUBACK: waits while
   * the queues are full, then queues the message durably for every persistent session subscribed to it.
   */
  async admit(packet: QueuedPacket): Promise<void> {
    const subs = (await this.subscriptionsByTopic(packet.topic as string)) as Array<{ clientId: string }>;
    if (subs.length === 0) return;
    // Behind those already waiting, then until there is room (re-checked: others woken with it may take it).
    if (this.#held.length > 0) await this.#room();
    while (this.#queuedBytes >= this.#options.maxQueueBytes) await this.#room();
    const clients = [...new Set(subs.map((s) => s.clientId))];
    await new Promise<void>((resolve, reject) => {
      const entries = this.#enqueue(packet, clients, (err) => (err ? reject(err) : resolve()));
      this.#admitted.set(packet.payload as Buffer, entries);
    });
  }

  #room(): Promise<void> {
    if (!this.#holding) {
      this.#holding = true;
      this.#options.onBackpressure?.(true, this.#queuedBytes);
    }
    return new Promise((resolve) => this.#held.push(resolve));
  }

  /** Wakes the held publishers once the queues are below the low-water mark; the episode ends when none had to wait again. */
  #release(): void {
    if (this.#held.length === 0 || this.#queuedBytes > this.#options.maxQueueBytes * LOW_WATER) return;
    const held = this.#held;
    this.#held = [];
    for (const resolve of held) resolve();
    setImmediate(() => {
      if (!this.#holding || this.#held.length > 0) return;
      this.#holding = false;
      this.#options.onBackpressure?.(false, this.#queuedBytes);
    });
  }

  override async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: QueuedPacket): Promise<void> {
    const admitted = this.#admitted.get(packet.payload as Buffer);
    if (admitted) this.#admitted.delete(packet.payload as Buffer);
    const fresh: string[] = [];
    for (const { clientId } of subs) {
      const entry = admitted?.get(clientId);
      if (entry) this.queue(clientId).rekey(entry, packet.brokerId, packet.brokerCounter);
      else fresh.push(clientId);
    }
    // Subscribed since the admission, or never admitted (a Last Will): queued now, after the PUBACK.
    if (fresh.length > 0) this.#enqueue(packet, fresh);
  }

  override async outgoingEnqueue(sub: { clientId: string }, packet: QueuedPacket): Promise<void> {
    return this.outgoingEnqueueCombi([sub], packet);
  }

  override async outgoingUpdate(client: ClientRef, packet: QueuedPacket): Promise<void> {
    const queue = this.queue(client.id);
    const queued = queue.find(packet);
    if (queued && queued.messageId === undefined) {
      // A first send: it takes a window slot and a packet id that no unacknowledged message holds.
      const window = this.#window(client.id);
      if (window.waiters.length > 0 || queue.inFlight + window.reserved >= this.#options.maxInFlight) {
        await new Promise<void>((resolve, reject) => {
          window.waiters.push({ client, resolve, reject });
          this.#watch(window, client);
        });
        window.reserved--; // the slot #grant reserved for this wait is taken below
      }
      if (packet.messageId === undefined || queue.usesMessageId(packet.messageId as number)) packet.messageId = queue.freeMessageId();
    }
    return super.outgoingUpdate(client, packet);
  }

  override async outgoingClearMessageId(client: ClientRef, packet: QueuedPacket): Promise<QueuedPacket | undefined> {
    const cleared = await super.outgoingClearMessageId(client, packet);
    if (cleared?.messageId !== undefined) this.#grant(client.id);
    const id = cleared?.journalId as number | undefined;
    if (id !== undefined) {
      this.#journal?.append(encodeAck(id, client.id));
      this.#forget(id, client.id);
      this.#release();
      this.#maybeCompact();
    }
    return cleared;
  }

  override outgoingStream(client: ClientRef): Readable {
    // Sends already made (they hold packet ids) go again first, so none of them waits for a window slot
    // that only their own acknowledgement would free.
    this.abandon(client.id);
    const list = this.outgoing.get(client.id)?.list() ?? [];
    return Readable.from([...list.filter((p) => p.messageId !== undefined), ...list.filter((p) => p.messageId === undefined)]);
  }

  #window(clientId: string): Window {
    let window = this.#windows.get(clientId);
    if (!window) this.#windows.set(clientId, (window = { reserved: 0, waiters: [] }));
    return window;
  }

  #grant(clientId: string): void {
    const window = this.#windows.get(clientId);
    const queue = this.outgoing.get(clientId);
    if (!window || !queue) return;
    clearTimeout(window.stall);
    window.stall = undefined;
    while (window.waiters.length > 0 && queue.inFlight + window.reserved < this.#options.maxInFlight) {
      window.reserved++;
      window.waiters.shift()!.resolve();
    }
    if (window.waiters.length > 0) this.#watch(window, window.waiters[0]!.client);
  }

  #watch(window: Window, client: ClientRef): void {
    if (window.stall) return;
    window.stall = setTimeout(() => {
      window.stall = undefined;
      if (window.waiters.length > 0) this.#options.onStalled?.(client);
    }, this.#options.stallTimeoutMs);
    window.stall.unref();
  }

  /** Ends the waits of deliveries to a client that went away (`client` given: only that connection's). */
  abandon(clientId: string, client?: ClientRef): void {
    const window = this.#windows.get(clientId);
    if (!window) return;
    // One pass: a frozen subscriber can have tens of thousands of deliveries waiting.
    const leaving: Window['waiters'] = [];
    const staying: Window['waiters'] = [];
    for (const w of window.waiters) (client === undefined || w.client === client ? leaving : staying).push(w);
    window.waiters = staying;
    if (window.waiters.length === 0) {
      clearTimeout(window.stall);
      window.stall = undefined;
    }
    for (const w of leaving) w.reject(new DeliveryAbandoned());
  }

  override async addSubscriptions(client: ClientRef, subs: Subscription[]): Promise<void> {
    await super.addSubscriptions(client, subs);
    const clean = subs.map(({ topic, qos }) => ({ topic, qos }));
    this.#noteSubscriptions(client.id, clean);
    this.#journal?.append(encodeJson(Kind.Subscribe, { c: client.id, s: clean }));
  }

  override async removeSubscriptions(client: ClientRef, topics: string[]): Promise<void> {
    await super.removeSubscriptions(client, topics);
    for (const topic of topics) this.#subscriptions.get(client.id)?.delete(topic);
    this.#journal?.append(encodeJson(Kind.Unsubscribe, { c: client.id, t: topics }));
  }

  override async cleanSubscriptions(client: ClientRef): Promise<void> {
    await super.cleanSubscriptions(client);
    if (!this.#subscriptions.delete(client.id)) return;
    this.#journal?.append(Buffer.concat([Buffer.from([Kind.Clean]), Buffer.from(client.id)]));
  }

  #maybeCompact(): void {
    if (!this.#journal || this.#compactScheduled || this.#journal.size < this.#compactAt) return;
    this.#compactScheduled = true;
    setImmediate(() => {
      this.#compactScheduled = false;
      this.compact();
    });
  }

  /** Rewrites the journal as a snapshot of the live subscriptions and messages. */
  compact(): void {
    const journal = this.#journal;
    if (!journal) return;
    const before = journal.size;
    const bodies: Buffer[] = [];
    for (const [c, topics] of this.#subscriptions) bodies.push(encodeJson(Kind.Subscribe, { c, s: [...topics].map(([topic, qos]) => ({ topic, qos })) }));
    for (const [id, m] of this.#messages) bodies.push(encodeEnqueue(id, m, m.clients));
    try {
      journal.rewrite(bodies);
    } catch (err) {
      this.#options.onJournalError?.(err as Error);
      return;
    }
    this.#compactAt = Math.max(COMPACT_MIN_BYTES, 2 * journal.size);
    this.#options.onCompacted?.(before, journal.size);
  }

  override async destroy(): Promise<void> {
    this.#journal?.close();
    this.#journal = null;
    for (const clientId of this.#windows.keys()) this.abandon(clientId);
    const held = this.#held;
    this.#held = [];
    for (const resolve of held) resolve();
    await super.destroy();
  }
}
