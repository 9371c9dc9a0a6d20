// aedes' in-memory persistence with the outgoing queue of each client indexed.
//
// aedes-persistence keeps a persistent-session client's QoS 1 in-flight messages in a plain array
// and finds a message by scanning it on every delivery (outgoingUpdate) and every PUBACK
// (outgoingClearMessageId). When the ingest falls a few thousand messages behind, each message
// costs a scan of the backlog, the broker spends its time scanning, the backlog grows further and
// throughput collapses (measured: 2,000 stations × 10 msg/s fell to 1,400 msg/s with the broker at
// 80 % CPU; upstream knows the pattern: moscajs/aedes#159). Everything else — subscriptions,
// retained messages, wills, incoming QoS 2 — is the library's own class, unchanged; the queue keeps
// the library's semantics exactly (first match in enqueue order), checked by the library's own
// conformance suite in test/broker/indexed-persistence.test.ts.
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';

export interface QueuedPacket {
  brokerId?: string;
  brokerCounter?: number;
  messageId?: number;
  [key: string]: unknown;
}
export interface ClientRef {
  id: string;
}

interface MemoryPersistence {
  setup(broker: unknown): Promise<void>;
  destroy(): Promise<void>;
  addSubscriptions(client: ClientRef, subs: Array<{ topic: string; qos: 0 | 1 | 2 }>): Promise<void>;
  removeSubscriptions(client: ClientRef, topics: string[]): Promise<void>;
  cleanSubscriptions(client: ClientRef): Promise<void>;
  subscriptionsByTopic(topic: string): Promise<Array<{ clientId: string; topic: string; qos: number }>>;
  outgoingEnqueue(sub: { clientId: string }, packet: QueuedPacket): Promise<void>;
  outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: QueuedPacket): Promise<void>;
  outgoingUpdate(client: ClientRef, packet: QueuedPacket): Promise<void>;
  outgoingClearMessageId(client: ClientRef, packet: QueuedPacket): Promise<QueuedPacket | undefined>;
  outgoingStream(client: ClientRef): Readable;
}

const require = createRequire(import.meta.url);
// Deep imports of the package aedes itself uses (no "exports" map, so these paths are public files).
const MemoryPersistenceClass = require('aedes-persistence/asyncPersistence.js') as new (opts?: object) => MemoryPersistence;
export const { CallBackPersistence } = require('aedes-persistence/callBackPersistence.js') as {
  CallBackPersistence: new (factory: (opts: object) => MemoryPersistence, opts?: object) => object;
};
export const Packet = require('aedes-packet') as new (p: QueuedPacket) => QueuedPacket;

/** A key → set of sequence numbers index; sets are tiny (one entry unless ids collide). */
class Index<K> {
  private readonly map = new Map<K, Set<number>>();
  add(key: K, seq: number): void {
    const set = this.map.get(key);
    if (set) set.add(seq);
    else this.map.set(key, new Set([seq]));
  }
  remove(key: K, seq: number): void {
    const set = this.map.get(key);
    if (!set) return;
    set.delete(seq);
    if (set.size === 0) this.map.delete(key);
  }
  /** The earliest enqueued entry under key that passes the filter. */
  first(key: K, accept: (seq: number) => boolean = () => true): number | undefined {
    let best: number | undefined;
    for (const seq of this.map.get(key) ?? []) if ((best === undefined || seq < best) && accept(seq)) best = seq;
    return best;
  }
}

const counterKey = (p: QueuedPacket) => `${p.brokerId}\u0000${p.brokerCounter}`;

/** One client's in-flight messages in enqueue order, found by broker counter or message id in O(1). */
export class OutgoingQueue {
  private next = 0;
  private withId = 0;
  private nextMessageId = 1;
  private readonly packets = new Map<number, QueuedPacket>();
  private readonly byCounter = new Index<string>();
  private readonly byMessageId = new Index<number | undefined>();

  get size(): number {
    return this.packets.size;
  }

  /** Packets that have a message id: sent (or being sent) and not yet acknowledged. */
  get inFlight(): number {
    return this.withId;
  }

  /** The queued copy of `packet` (same broker and counter), if it is still queued. */
  find(packet: QueuedPacket): QueuedPacket | undefined {
    const seq = this.byCounter.first(counterKey(packet), (s) => this.packets.get(s)!.brokerId === packet.brokerId);
    return seq === undefined ? undefined : this.packets.get(seq);
  }

  usesMessageId(messageId: number): boolean {
    return this.byMessageId.first(messageId) !== undefined;
  }

  /** A message id no queued packet holds (callers keep fewer than 65,535 in flight). */
  freeMessageId(): number {
    while (this.usesMessageId(this.nextMessageId)) this.nextMessageId = (this.nextMessageId % 65535) + 1;
    const id = this.nextMessageId;
    this.nextMessageId = (id % 65535) + 1;
    return id;
  }

  /** Files a queued packet under another broker id and counter (the ones aedes gave its live copy). */
  rekey(queued: QueuedPacket, brokerId: string | undefined, brokerCounter: number | undefined): void {
    const seq = this.byCounter.first(counterKey(queued), (s) => this.packets.get(s) === queued);
    if (seq === undefined) return;
    this.byCounter.remove(counterKey(queued), seq);
    queued.brokerId = brokerId;
    queued.brokerCounter = brokerCounter;
    this.byCounter.add(counterKey(queued), seq);
  }

  push(packet: QueuedPacket): void {
    this.put(this.next++, packet);
  }

  /** Gives the queued copy of `packet` its message id; as upstream, a foreign broker's packet with that id is replaced. */
  update(packet: QueuedPacket): void {
    const own = this.byCounter.first(counterKey(packet), (seq) => this.packets.get(seq)!.brokerId === packet.brokerId);
    const foreign = this.byMessageId.first(packet.messageId, (seq) => this.packets.get(seq)!.brokerId !== packet.brokerId);
    if (own !== undefined && (foreign === undefined || own < foreign)) {
      const queued = this.packets.get(own)!;
      if (queued.messageId === undefined && packet.messageId !== undefined) this.withId++;
      else if (queued.messageId !== undefined && packet.messageId === undefined) this.withId--;
      this.byMessageId.remove(queued.messageId, own);
      queued.messageId = packet.messageId;
      this.byMessageId.add(queued.messageId, own);
      return;
    }
    if (foreign === undefined) throw new Error('no such packet');
    this.drop(foreign);
    this.put(foreign, packet);
  }

  /** Removes and returns the earliest queued packet with this message id. */
  clear(messageId: number | undefined): QueuedPacket | undefined {
    const seq = this.byMessageId.first(messageId);
    if (seq === undefined) return undefined;
    const packet = this.packets.get(seq)!;
    this.drop(seq);
    return packet;
  }

  /** Packets in enqueue order (a copy: the queue may change while it is streamed). */
  list(): QueuedPacket[] {
    return [...this.packets].sort(([a], [b]) => a - b).map(([, p]) => p);
  }

  private put(seq: number, packet: QueuedPacket): void {
    if (packet.messageId !== undefined) this.withId++;
    this.packets.set(seq, packet);
    this.byCounter.add(counterKey(packet), seq);
    this.byMessageId.add(packet.messageId, seq);
  }

  private drop(seq: number): void {
    const packet = this.packets.get(seq)!;
    if (packet.messageId !== undefined) this.withId--;
    this.packets.delete(seq);
    this.byCounter.remove(counterKey(packet), seq);
    this.byMessageId.remove(packet.messageId, seq);
  }
}

/** The library's MemoryPersistence with the outgoing queue replaced by OutgoingQueue. */
export class IndexedMemoryPersistence extends MemoryPersistenceClass {
  protected readonly outgoing = new Map<string, OutgoingQueue>();

  protected queue(clientId: string): OutgoingQueue {
    let queue = this.outgoing.get(clientId);
    if (!queue) this.outgoing.set(clientId, (queue = new OutgoingQueue()));
    return queue;
  }

  override async outgoingEnqueue(sub: { clientId: string }, packet: QueuedPacket): Promise<void> {
    this.queue(sub.clientId).push(new Packet(packet));
  }

  override async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: QueuedPacket): Promise<void> {
    for (const sub of subs) this.queue(sub.clientId).push(new Packet(packet));
  }

  override async outgoingUpdate(client: ClientRef, packet: QueuedPacket): Promise<void> {
    this.queue(client.id).update(packet);
  }

  override async outgoingClearMessageId(client: ClientRef, packet: QueuedPacket): Promise<QueuedPacket | undefined> {
    return this.outgoing.get(client.id)?.clear(packet.messageId);
  }

  override outgoingStream(client: ClientRef): Readable {
    return Readable.from(this.outgoing.get(client.id)?.list() ?? []);
  }
}

/** The part of the persistence the broker itself calls (aedes uses the rest). */
export interface BrokerPersistence {
  addSubscriptions(client: ClientRef, subs: Array<{ topic: string; qos: 0 | 1 | 2 }>): Promise<void>;
}

/** What to pass as aedes' `persistence` option: the callback layer aedes expects around the async class. */
export function indexedMemoryPersistence(opts: object = {}): BrokerPersistence {
  return new CallBackPersistence((o) => new IndexedMemoryPersistence(o), opts) as BrokerPersistence;
}
