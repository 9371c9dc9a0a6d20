// Broker nodes that share their state through Redis (BROKER_REDIS_URL): aedes' own aedes-persistence-redis keeps
// subscriptions, retained messages, wills and the QoS 1 queues of persistent sessions there, so a client can
// reconnect to any node and find its session; mqemitter-redis (broker.ts) carries every publish to every node.
//
// What is durable before the PUBACK. aedes writes a QoS 1 PUBACK *before* it publishes (lib/handlers/publish.js).
// Its publish then queues the message for every persistent session subscribed to the topic — online on any node
// or not: enqueueOffline asks the persistence's subscription trie, which every node keeps whole — and only then
// emits it to the nodes, whose connected subscribers get it live. A crash between the PUBACK and that enqueue
// would lose an acknowledged message. So `admit`, called in authorizePublish before the PUBACK, queues it in Redis
// first, under the very key aedes' publish will use: it stamps the packet with this node's broker id and its next
// broker counter, which aedes-packet keeps (`original.brokerCounter || ++broker.counter`); aedes' own enqueue a
// moment later finds it queued. Redis acknowledges a write once it is in its append-only file (write(2) before the
// reply), so with AOF on it survives a kill -9 of Redis; power loss is the `appendfsync` policy's business.
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import type { ClientRef, QueuedPacket } from './indexed-persistence.js';
import { DeliveryAbandoned } from './session-persistence.js';

const require = createRequire(import.meta.url);

interface Subscription {
  clientId: string;
  topic: string;
  qos: number;
}

/** The library's async class (its public API; the key schema below is its own, private). */
interface AsyncRedisPersistence {
  readonly broker: { id: string; counter: number };
  setup(broker: unknown): Promise<void>;
  destroy(): Promise<void>;
  subscriptionsByTopic(topic: string): Promise<Subscription[]>;
  addSubscriptions(client: { id: string }, subs: Array<{ topic: string; qos: 0 | 1 | 2 }>): Promise<void>;
  outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: QueuedPacket): Promise<void>;
  outgoingUpdate(client: ClientRef, packet: QueuedPacket): Promise<void>;
  outgoingClearMessageId(client: ClientRef, packet: QueuedPacket): Promise<QueuedPacket | undefined>;
}
const AsyncRedisPersistenceClass = require('aedes-persistence-redis/asyncPersistence.js') as new (opts: object) => AsyncRedisPersistence;
const { Packet } = require('aedes-persistence') as { Packet: new (p: QueuedPacket) => QueuedPacket };
const msgpack = require('msgpack-lite') as { encode(value: unknown): Buffer; decode(buffer: Buffer): unknown };

// aedes-persistence-redis' keys (asyncPersistence.js: packetKey, packetCountKey, outgoingKey).
const packetKey = (p: QueuedPacket) => `packet:${p.brokerId}:${p.brokerCounter}`;
const countKey = (p: QueuedPacket) => `${packetKey(p)}:offlineCount`;
const outgoingKey = (clientId: string) => `outgoing:${encodeURIComponent(clientId)}`;
/** The list of every stored will's key, `will:<broker id>:<client id>` (WILLSKEY, willKey). */
const WILLS_KEY = 'will';
const WILLS_PAGE = 10_000;

/**
 * A session's whole queue is sent on reconnect up to this many messages (the library's default is 1,000, and
 * the rest would wait for the next reconnect), paced by the delivery window (outgoingUpdate).
 */
const MAX_SESSION_DELIVERY = 1_000_000;
const MAX_PACKET_ID = 65_535;

/** Deliveries to one connection of a persistent session that await their PUBACK, each with its own packet id. */
interface Window {
  client: ClientRef;
  ids: Set<number>;
  /** Slots granted to waiters that have not taken them yet. */
  reserved: number;
  nextId: number;
  waiters: Array<{ resolve: () => void; reject: (err: Error) => void }>;
}

export interface RedisSessionsOptions {
  url: string;
  /** A failure of the Redis link (ioredis reconnects by itself; meanwhile admissions wait or fail, so PUBACKs do). */
  onError?: (err: Error) => void;
  /**
   * Messages one persistent session (the ingest) may have queued in Redis: beyond it admissions wait, so PUBACKs
   * are held and the stations slow down, until its queue is under 90 % of it again. Unbounded when absent.
   */
  maxQueuedMessages?: number;
  /** How often the queue lengths are read (default 500 ms): the bound may be passed by what arrives meanwhile. */
  queueCheckMs?: number;
  /** Publishers held (true) or let go (false); `longest` is the longest queue read. */
  onBackpressure?: (active: boolean, longest: number) => void;
  /** Messages sent to one connected persistent session and not yet acknowledged (below 65,535). */
  maxInFlight: number;
}

/** Held publishers are let go once every queue is this far below the bound. */
const LOW_WATER = 0.9;

export class RedisSessions extends AsyncRedisPersistenceClass {
  readonly #redis: Redis;
  /** Clients each admitted packet (by payload buffer, which aedes passes on unchanged) was queued for. */
  readonly #admitted = new WeakMap<Buffer, { key: string; clients: Set<string> }>();
  /** The store of one SUBSCRIBE packet's subscriptions, by its list (see addSubscriptions). */
  readonly #subscribing = new WeakMap<object, Promise<void>>();

  readonly #options: RedisSessionsOptions;
  /** Persistent sessions messages were queued for: the queues the bound watches. */
  readonly #sessions = new Set<string>();
  #held: Array<() => void> = [];
  #full = false;
  #longest = 0;
  #queueCheck: NodeJS.Timeout | null = null;
  /** Delivery windows of the persistent sessions connected to this node, by client id. */
  readonly #windows = new Map<string, Window>();

  constructor(options: RedisSessionsOptions) {
    const redis = new Redis(options.url, { lazyConnect: false });
    super({ conn: redis, maxSessionDelivery: MAX_SESSION_DELIVERY });
    this.#redis = redis;
    this.#options = options;
    redis.on('error', (err: Error) => options.onError?.(err));
    if (options.maxQueuedMessages !== undefined) {
      this.#queueCheck = setInterval(() => void this.#checkQueues().catch((err: Error) => options.onError?.(err)), options.queueCheckMs ?? 500);
      this.#queueCheck.unref();
    }
  }

  /** The longest queue of a persistent session at the last check (0 when unbounded: not read). */
  get longestQueue(): number {
    return this.#longest;
  }

  async #checkQueues(): Promise<void> {
    if (this.#sessions.size === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const id of this.#sessions) pipeline.llen(outgoingKey(id));
    const results = (await pipeline.exec()) ?? [];
    this.#longest = Math.max(0, ...results.map(([err, n]) => (err ? 0 : Number(n))));
    const max = this.#options.maxQueuedMessages!;
    if (!this.#full && this.#longest >= max) {
      this.#full = true;
      this.#options.onBackpressure?.(true, this.#longest);
    } else if (this.#full && this.#longest < max * LOW_WATER) {
      this.#full = false;
      this.#options.onBackpressure?.(false, this.#longest);
      const held = this.#held;
      this.#held = [];
      for (const resolve of held) resolve();
    }
  }

  /**
   * aedes sends without a limit and takes packet ids from a 16-bit counter: a reconnecting ingest got its whole
   * Redis queue at once (200,000 messages in bench:cluster), ids past 65,535 were reused, and acknowledgements then
   * cleared other messages' entries, which stayed queued and went again at every reconnect. As on a single node
   * (session-persistence.ts), each send waits for a slot in the connection's window and gets an id that no
   * unacknowledged message of it holds.
   */
  override async outgoingUpdate(client: ClientRef, packet: QueuedPacket): Promise<void> {
    const w = this.#windowOf(client);
    if (w.waiters.length > 0 || w.ids.size + w.reserved >= this.#options.maxInFlight) {
      await new Promise<void>((resolve, reject) => w.waiters.push({ resolve, reject }));
      w.reserved--;
    }
    const id = packet.messageId as number | undefined;
    packet.messageId = id === undefined || w.ids.has(id) ? freeId(w) : id;
    w.ids.add(packet.messageId as number);
    return super.outgoingUpdate(client, packet);
  }

  override async outgoingClearMessageId(client: ClientRef, packet: QueuedPacket): Promise<QueuedPacket | undefined> {
    const cleared = await super.outgoingClearMessageId(client, packet);
    const w = this.#windows.get(client.id);
    if (w?.client === client && w.ids.delete(packet.messageId as number)) {
      while (w.waiters.length > 0 && w.ids.size + w.reserved < this.#options.maxInFlight) {
        w.reserved++;
        w.waiters.shift()!.resolve();
      }
    }
    return cleared;
  }

  /** Ends the waits of deliveries to a connection that went away (its messages stay queued in Redis). */
  abandon(clientId: string, client?: ClientRef): void {
    const w = this.#windows.get(clientId);
    if (!w || (client && w.client !== client)) return;
    this.#windows.delete(clientId);
    for (const waiter of w.waiters) waiter.reject(new DeliveryAbandoned());
  }

  /** The window of this connection; a new connection of the session starts an empty one. */
  #windowOf(client: ClientRef): Window {
    const w = this.#windows.get(client.id);
    if (w?.client === client) return w;
    this.abandon(client.id);
    const fresh: Window = { client, ids: new Set(), reserved: 0, nextId: 1, waiters: [] };
    this.#windows.set(client.id, fresh);
    return fresh;
  }

  /**
   * The wills of clients whose node is not among `brokers` (the live ones), for aedes to publish; it asks every four
   * heartbeats on every node. The library reads the first 10,001 entries of the will list and GETs each one, the
   * live nodes' wills too: at 60,000 stations 10,001 GETs per node and round (most of Redis' 12,500 GET/s in
   * bench:cluster), and the wills of a dead node's clients past the first 10,001 were never published. Here the
   * whole list is read in pages and only the wills of nodes not alive are fetched.
   */
  async *streamWill(brokers?: Record<string, unknown>): AsyncGenerator<unknown> {
    for (let start = 0; ; start += WILLS_PAGE) {
      const keys = await this.#redis.lrange(WILLS_KEY, start, start + WILLS_PAGE - 1);
      for (const key of keys) {
        if (brokers?.[key.split(':')[1]!]) continue;
        const value = await this.#redis.getBuffer(key);
        if (value) yield msgpack.decode(value);
        else await this.#redis.lrem(WILLS_KEY, 0, key); // a will deleted meanwhile: its list entry goes too, as the library does
      }
      if (keys.length < WILLS_PAGE) return;
    }
  }

  override async destroy(): Promise<void> {
    for (const clientId of [...this.#windows.keys()]) this.abandon(clientId);
    if (this.#queueCheck) clearInterval(this.#queueCheck);
    this.#full = false;
    const held = this.#held;
    this.#held = [];
    for (const resolve of held) resolve();
    await super.destroy();
  }

  /** `CONFIG GET appendonly` (null when the server does not allow CONFIG, as some managed services do not). */
  async appendOnly(): Promise<boolean | null> {
    try {
      const [, value] = (await this.#redis.config('GET', 'appendonly')) as [string, string];
      return value === 'yes';
    } catch {
      return null;
    }
  }

  /**
   * Called in authorizePublish for an accepted QoS 1/2 publish, before aedes sends the PUBACK: queues the message
   * in Redis for every persistent session subscribed to it, in one MULTI, and returns once Redis answered.
   */
  async admit(packet: QueuedPacket): Promise<void> {
    const subs = await this.subscriptionsByTopic(packet.topic as string);
    if (subs.length === 0) return;
    for (const { clientId } of subs) this.#sessions.add(clientId);
    while (this.#full) await new Promise<void>((resolve) => this.#held.push(resolve));
    const broker = this.broker;
    packet.brokerId = broker.id;
    packet.brokerCounter = ++broker.counter;
    const key = packetKey(packet);
    // As the library's outgoingEnqueueCombi writes it: the packet, how many sessions still need it, and its key
    // at the end of each session's list.
    const multi = this.#redis
      .multi()
      .set(key, msgpack.encode(new Packet(packet)))
      .set(countKey(packet), subs.length);
    for (const { clientId } of subs) multi.rpush(outgoingKey(clientId), key);
    await exec(multi);
    this.#admitted.set(packet.payload as Buffer, { key, clients: new Set(subs.map((s) => s.clientId)) });
  }

  /**
   * aedes stores the subscriptions of a SUBSCRIBE once per filter in it, each time passing the packet's whole list
   * (lib/handlers/subscribe.js runs storeSubscriptions per filter, in parallel). The library's broadcast to the other
   * nodes then waits for its own echo under one key per client and first topic, so of those parallel calls only the
   * last is ever answered, and a SUBSCRIBE with several filters never got its SUBACK. The calls for one packet are
   * one call here.
   */
  override addSubscriptions(client: { id: string }, subs: Array<{ topic: string; qos: 0 | 1 | 2 }>): Promise<void> {
    let pending = this.#subscribing.get(subs);
    if (!pending) {
      pending = super.addSubscriptions(client, subs);
      this.#subscribing.set(subs, pending);
    }
    return pending;
  }

  override async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: QueuedPacket): Promise<void> {
    const admitted = this.#admitted.get(packet.payload as Buffer);
    if (!admitted || admitted.key !== packetKey(packet)) return super.outgoingEnqueueCombi(subs, packet);
    this.#admitted.delete(packet.payload as Buffer);
    // Subscribed since the admission: queued now, after the PUBACK (as aedes alone would).
    const fresh = subs.filter((s) => !admitted.clients.has(s.clientId));
    if (fresh.length === 0) return;
    const multi = this.#redis.multi().incrby(countKey(packet), fresh.length);
    for (const { clientId } of fresh) multi.rpush(outgoingKey(clientId), admitted.key);
    await exec(multi);
  }
}

async function exec(multi: ReturnType<Redis['multi']>): Promise<void> {
  const results = await multi.exec();
  const failed = results?.find(([err]) => err);
  if (!results) throw new Error('redis: transaction aborted');
  if (failed) throw failed[0]!;
}

/** The next packet id (1–65,535, round) that no unacknowledged delivery of the window holds. */
function freeId(w: Window): number {
  for (;;) {
    const id = w.nextId;
    w.nextId = id >= MAX_PACKET_ID ? 1 : id + 1;
    if (!w.ids.has(id)) return id;
  }
}
