import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { Redis } from 'ioredis';
import MQEmitterRedis from 'mqemitter-redis';
import { Registry as MetricsRegistry } from 'prom-client';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Registry } from '../domain/registry.js';
import { partitionOfClientId, partitionTopics } from '../domain/partition.js';
import { TELEMETRY_SUBSCRIPTIONS } from '../domain/topics.js';
import { decodeTelemetry, MAX_PAYLOAD_BYTES } from '../domain/telemetry.js';
import type { Logger } from '../lib/logger.js';
import { clip, createSampledLog } from '../lib/sampled-log.js';
import { checkClientId, checkPublish, checkSubscribe, checkWill, type Decision, type Principal, type RefusalReason } from './acl.js';
import { createAuthThrottle, DEFAULT_AUTH_THROTTLE, type AuthThrottleLimits } from './auth-throttle.js';
import type { AccountStore } from './credentials.js';
import { CallBackPersistence, type QueuedPacket } from './indexed-persistence.js';
import { watchPeers, type PeerWatch } from './peer-watch.js';
import { RedisSessions } from './redis-sessions.js';
import { DeliveryAbandoned, SessionPersistence, type FsyncPolicy } from './session-persistence.js';
import { createBrokerMetrics, type BrokerMetrics } from './metrics.js';
import { PacketTooLargeError, limitPacketSize } from './packet-limit.js';

/** Room for the fixed header, topic and ids around the largest payload the contract allows. */
export const DEFAULT_MAX_PACKET_BYTES = MAX_PAYLOAD_BYTES + 1024;
/** Unlike aedes' 60 s default: a frozen subscriber holds up fan-out to everyone for at most this long. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
export const DEFAULT_QUEUE_MAX_BYTES = 128 << 20;
export const DEFAULT_SESSION_INFLIGHT = 1000;
/** About 250 MB of Redis memory (a queued message costs Redis some 500 bytes: the packet, its count, its list entry). */
export const DEFAULT_REDIS_QUEUE_MAX_MESSAGES = 500_000;

/** Where and how persistent sessions are kept (session-persistence.ts). */
export interface SessionOptions {
  /** Journal directory; null: memory only, lost on a restart. */
  dir: string | null;
  fsync?: FsyncPolicy;
  maxQueueBytes?: number;
  maxInFlight?: number;
}

export interface BrokerOptions {
  registry: Registry;
  accounts: AccountStore;
  logger: Logger;
  /** Where the broker's metrics are registered; a private registry when absent. */
  metrics?: MetricsRegistry;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** WebSocket listener; 0 picks a free port, null disables it. */
  wsPort?: number | null;
  maxPacketBytes?: number;
  drainTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * Client ids of service sessions that exist from the start, subscribed to all telemetry at QoS 1.
   * On a fresh broker (an empty journal, or memory only) the stations' messages would otherwise arrive
   * before the ingest has ever subscribed, be acknowledged, and be dropped.
   */
  seededSessions?: readonly string[];
  /** Memory only when absent. */
  sessions?: SessionOptions;
  /**
   * One node of several sharing subscriptions, sessions, retained messages and every publish through this Redis
   * (redis-sessions.ts); `sessions` is then unused. `heartbeatMs`: how often nodes announce themselves (default 2 s);
   * a node silent for three of them is taken for dead (see onPeerLost in startBroker).
   */
  cluster?: {
    redisUrl: string;
    heartbeatMs?: number;
    /** Messages a persistent session may have queued in Redis before PUBACKs are held (redis-sessions.ts). */
    maxQueuedMessages?: number;
    queueCheckMs?: number;
  };
  /**
   * Sees every publish this node accepts (its clients' messages and the Last Wills it publishes) before the
   * PUBACK; a promise it returns holds the PUBACK until it settles (a rejection: no PUBACK, the client sends
   * again). The ingest embedded in the node (ingest.ts startEmbeddedIngest) writes its log here.
   */
  beforePuback?: (topic: string, payload: Buffer) => Promise<void> | undefined;
  /** Back-off of failed CONNECTs per username and address (auth-throttle.ts). */
  authThrottle?: AuthThrottleLimits;
  /** Refusals logged in full per kind/reason and interval; the rest are counted and summarised in one line. */
  refusalLog?: { perReason: number; intervalMs: number };
  now?: () => number;
}

export interface RunningBroker {
  port: number;
  wsPort: number | null;
  aedes: Aedes;
  metrics: BrokerMetrics;
  /** The node's own session store; null for a node of a cluster (the sessions are in Redis). */
  sessions: SessionPersistence | null;
  /** Ends the refusal log's interval now (it also ends on a timer): one summary line of what was not logged. */
  summariseRefusals(): void;
  close(): Promise<void>;
}

type Kind = 'connect' | 'publish' | 'subscribe' | 'packet';

/** Carries a refusal through aedes' error paths; already logged and counted when it is created. */
class Refusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    readonly returnCode?: number,
  ) {
    super(`refused: ${reason}`);
    this.name = 'Refusal';
  }
}

// CONNACK return codes of MQTT 3.1.1 (section 3.2.2.3).
const CONNACK_UNACCEPTABLE_PROTOCOL_VERSION = Buffer.from([0x20, 0x02, 0x00, 0x01]);
const CONNACK_IDENTIFIER_REJECTED = 2;
const CONNACK_BAD_USERNAME_OR_PASSWORD = 4;
const CONNACK_NOT_AUTHORIZED = 5;

const listen = (server: Server | ReturnType<typeof createHttpServer>, port: number, host: string) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

const closeServer = (server: Server | ReturnType<typeof createHttpServer>) => new Promise<void>((resolve) => server.close(() => resolve()));

export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const { registry, accounts, logger } = options;
  const host = options.host ?? '127.0.0.1';
  const maxPacketBytes = options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  const sessionOptions = options.sessions ?? { dir: null };
  let journalErrorLoggedAt = -Infinity;
  let journalErrorsUnlogged = 0;
  const maxQueueBytes = sessionOptions.maxQueueBytes ?? DEFAULT_QUEUE_MAX_BYTES;
  const cluster = options.cluster;
  /** The queue bound of either store was reached (active) or is clear again; `fields` say how full. */
  function onBackpressure(active: boolean, fields: Record<string, number>): void {
    metrics.backpressure.set(active ? 1 : 0);
    if (active) {
      metrics.backpressureEpisodes.inc();
      logger.warn({ event: 'backpressure_on', ...fields }, 'session queues full: holding PUBACKs until the subscribers catch up');
    } else logger.info({ event: 'backpressure_off', ...fields }, 'session queues below the bound again: PUBACKs flow');
  }
  // QoS 1 backlogs of the persistent service sessions cost O(1) per message, not a scan (indexed-persistence.ts),
  // survive a restart (the journal) and are bounded (session-persistence.ts). A node of a cluster keeps them in Redis.
  const sessions = cluster
    ? null
    : new SessionPersistence({
        dir: sessionOptions.dir,
        fsync: sessionOptions.fsync ?? 'everysec',
        maxQueueBytes,
        maxInFlight: sessionOptions.maxInFlight ?? DEFAULT_SESSION_INFLIGHT,
        stallTimeoutMs: drainTimeoutMs,
        onStalled(ref) {
          // Not acknowledging is stopping to read, one level up: the same cut-off as the drain timeout.
          const client = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients[ref.id];
          if (!client || client !== ref) return;
          metrics.slowClientDisconnects.inc();
          logger.warn({ event: 'slow_client_disconnected', reason: 'no_puback', ...describe(client) }, 'disconnected a client that stopped acknowledging');
          client.close();
        },
        onBackpressure: (active, queuedBytes) => onBackpressure(active, { queuedBytes, maxQueueBytes }),
        onJournalError(err) {
          metrics.journalErrors.inc();
          // A full or read-only disk fails every group write: the first is logged, then one summary per 10 s.
          journalErrorsUnlogged++;
          const now = Date.now();
          if (now - journalErrorLoggedAt < 10_000) return;
          logger.error(
            { event: 'journal_error', err: err.message, failedWrites: journalErrorsUnlogged, dir: sessionOptions.dir },
            'session journal write failed: those publishes get no PUBACK (the stations send them again)',
          );
          journalErrorLoggedAt = now;
          journalErrorsUnlogged = 0;
        },
        onBadTail(bytes, file) {
          metrics.journalBadTailBytes.inc(bytes);
          logger.warn(
            { event: 'journal_bad_tail', bytes, file },
            'session journal ended in a damaged record: kept the records before it, moved the rest aside',
          );
        },
        onCompacted(before, after) {
          logger.info({ event: 'journal_compacted', before, after }, 'session journal compacted');
        },
      });
  const redisError = (err: Error) =>
    refusalLog.record('redis_error', () => logger.error({ event: 'redis_error', err: err.message }, 'Redis link of the cluster failed; reconnecting'));
  const maxQueuedMessages = cluster?.maxQueuedMessages ?? DEFAULT_REDIS_QUEUE_MAX_MESSAGES;
  const redisSessions = cluster
    ? new RedisSessions({
        url: cluster.redisUrl,
        onError: redisError,
        maxQueuedMessages,
        queueCheckMs: cluster.queueCheckMs,
        onBackpressure: (active, longestQueue) => onBackpressure(active, { longestQueue, maxQueuedMessages }),
        maxInFlight: sessionOptions.maxInFlight ?? DEFAULT_SESSION_INFLIGHT,
      })
    : null;
  /** What the broker itself calls on either store (aedes uses the rest). */
  const store: Pick<SessionPersistence, 'admit' | 'addSubscriptions' | 'destroy'> = sessions ?? redisSessions!;
  const persistence = new CallBackPersistence(() => store as never);
  const metrics = createBrokerMetrics(options.metrics ?? new MetricsRegistry(), sessions);

  const principals = new WeakMap<Client, Principal>();
  const wills = new WeakMap<Client, { topic: string; payload: Buffer }>();
  const connections = new WeakMap<Duplex, { transport: 'tcp' | 'ws'; remote: string | undefined }>();
  // Clients counted in broker_clients_connected. aedes emits clientReady at the end of its connect series, after
  // the CONNACK: a client that dropped in between has had its clientDisconnect already and must not be counted.
  const counted = new WeakSet<Client>();

  function describe(client: Client | null, username?: string) {
    const conn = client ? connections.get(client.conn as Duplex) : undefined;
    return {
      clientId: client?.id ?? undefined,
      username: username ?? (client && principals.get(client)?.username),
      transport: conn?.transport,
      remote: conn?.remote,
    };
  }

  const { perReason, intervalMs } = options.refusalLog ?? { perReason: 5, intervalMs: 60_000 };
  const refusalLog = createSampledLog(logger, perReason, { event: 'refused_summary', msg: 'refusals not logged individually in the last interval' });
  const summaryTimer = setInterval(() => refusalLog.summarise(), intervalMs).unref();
  const throttle = createAuthThrottle(options.authThrottle ?? DEFAULT_AUTH_THROTTLE, options.now);

  // Client ids, usernames and topics are whatever an unauthenticated client sent: logged clipped.
  const clipped = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? clip(v) : v]));

  function refuse(kind: Kind, reason: RefusalReason, client: Client | null, extra: Record<string, unknown> = {}): void {
    metrics.refusals.inc({ kind, reason });
    refusalLog.record(`${kind}/${reason}`, () =>
      logger.warn(
        { event: 'refused', kind, reason, ...clipped({ ...describe(client, extra.username as string | undefined), ...extra }) },
        `refused ${kind}: ${reason}`,
      ),
    );
  }

  const now = options.now ?? Date.now;
  const { beforePuback } = options;
  /**
   * A retained message is replayed to every subscriber after every restart, so it must be valid telemetry; a Last
   * Will must also be a station's `lwt` status (the one status the contract lets go without `ts`).
   */
  function checkRetained(decision: Decision, packet: { topic: string; payload: Buffer | string; retain: boolean }): Decision {
    if (!decision.ok || !packet.retain) return decision;
    return decodeTelemetry(packet.topic, Buffer.from(packet.payload), registry, now()).ok ? decision : { ok: false, reason: 'invalid_retained' };
  }
  function checkWillMessage(who: Principal, will: { topic: string; payload: Buffer }): Decision {
    const decision = checkWill(who, { topic: will.topic, payloadBytes: will.payload.byteLength });
    if (!decision.ok) return decision;
    const decoded = decodeTelemetry(will.topic, will.payload, registry, now());
    return decoded.ok && decoded.message.channel === 'status' && decoded.message.data.reason === 'lwt' ? decision : { ok: false, reason: 'invalid_will' };
  }

  const heartbeatMs = cluster?.heartbeatMs ?? 2000;
  // Every publish goes through Redis to every node with a subscriber for it (mqemitter-redis); a node's
  // heartbeat there is how the others know it is alive (its wills are published once it is not).
  // The subscriber link skips ioredis' ready check: a SUBSCRIBE sent while it connects (aedes subscribes at once)
  // puts the link in subscriber mode, the check's INFO is then refused and the node died (seen under load).
  // SUBSCRIBE is allowed while Redis loads its AOF, which is what the check waits for.
  const mq = cluster
    ? MQEmitterRedis({
        connectionString: cluster.redisUrl,
        subConn: new Redis(cluster.redisUrl, { enableReadyCheck: false }),
        concurrency: 0,
        matchEmptyLevels: true,
      })
    : undefined;
  // ioredis reconnects by itself; unheard, this event would end the process.
  (mq as unknown as { state?: NodeJS.EventEmitter } | undefined)?.state?.on('error', redisError);
  const aedes = await Aedes.createBroker({
    persistence,
    ...(mq ? { mq, heartbeatInterval: heartbeatMs } : {}),
    // No global cap on deliveries in flight: with aedes' default cap (100) the excess waits in a queue that,
    // once its only subscriber is gone, drains recursively and overflows the stack (test/broker/
    // frozen-subscriber.test.ts). Each persistent session has its own window instead (session-persistence.ts).
    concurrency: 0,
    drainTimeout: drainTimeoutMs,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    maxTopicLevels: 16,

    preConnect(client, packet, done) {
      // MQTT 3.1.1 only (the contract): aedes would also take 3.1, and answers MQTT 5 without counting it.
      if (packet.protocolVersion !== 4) {
        refuse('connect', 'unsupported_protocol', client, { protocolVersion: packet.protocolVersion, protocolId: packet.protocolId });
        client.conn.write(CONNACK_UNACCEPTABLE_PROTOCOL_VERSION); // [MQTT-3.1.2-2]
        return done(new Refusal('unsupported_protocol'), false);
      }
      // The Last Will is only visible here; authenticate decides on it once it knows the account.
      if (packet.will) wills.set(client, { topic: packet.will.topic, payload: Buffer.from(packet.will.payload ?? '') });
      done(null, true);
    },

    authenticate(client, username, password, done) {
      const fail = (reason: RefusalReason, returnCode: number, extra: Record<string, unknown> = {}) => {
        refuse('connect', reason, client, { username, ...extra });
        done(new Refusal(reason, returnCode) as AuthenticateError, false);
      };
      if (!username || !password) return fail('no_credentials', CONNACK_NOT_AUTHORIZED);
      const address = connections.get(client.conn as Duplex)?.remote;
      // Over the limit: refused before the scrypt check, which is what a password guesser costs the broker.
      const blocked = throttle.blocked(username, address);
      if (blocked) return fail('throttled', CONNACK_NOT_AUTHORIZED, { limit: blocked });
      accounts.verify(username, password).then(
        (result) => {
          if (!result.ok) {
            throttle.failed(username, address);
            return fail(result.reason, CONNACK_BAD_USERNAME_OR_PASSWORD);
          }
          const who = result.principal;
          if (who.role === 'station' && !registry.get(who.username)) return fail('unknown_station', CONNACK_NOT_AUTHORIZED);
          const id = checkClientId(who, client.id);
          if (!id.ok) return fail(id.reason, CONNACK_IDENTIFIER_REJECTED);
          const will = wills.get(client);
          const willDecision: Decision = will ? checkWillMessage(who, will) : { ok: true };
          if (!willDecision.ok) return fail(willDecision.reason, CONNACK_NOT_AUTHORIZED, { willTopic: will?.topic });
          principals.set(client, who);
          done(null, true);
        },
        (err: Error) => {
          logger.error({ event: 'auth_error', err, username: clip(username) }, 'credential check failed');
          done(Object.assign(new Error('credential check failed'), { returnCode: 3 }) as AuthenticateError, false);
        },
      );
    },

    authorizePublish(client, packet, done) {
      const payloadBytes = Buffer.byteLength(packet.payload);
      // client is null only for a will left over from a vanished client; wills were checked at connect.
      const who = client ? principals.get(client) : undefined;
      const decision: Decision = who
        ? checkRetained(checkPublish(who, { topic: packet.topic, retain: packet.retain, payloadBytes }), packet)
        : client
          ? { ok: false, reason: 'not_authenticated' }
          : { ok: true };
      if (decision.ok) {
        const held = beforePuback?.(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
        if (packet.qos === 0) return done(null);
        // Durable (and within the queue bound) before aedes writes the PUBACK.
        metrics.unacknowledged.inc();
        const admit = () => store.admit(packet as unknown as QueuedPacket);
        return void (held ? held.then(admit) : admit()).then(
          () => (metrics.unacknowledged.dec(), done(null)),
          (err: Error) => (metrics.unacknowledged.dec(), done(err)),
        );
      }
      refuse('publish', decision.reason, client, { topic: packet.topic, qos: packet.qos, payloadBytes });
      // MQTT 3.1.1 has no negative PUBACK: aedes closes the connection, as the spec requires (MQTT-3.3.5-2).
      done(new Refusal(decision.reason));
    },

    authorizeSubscribe(client, subscription, done) {
      const who = principals.get(client);
      const decision: Decision = who ? checkSubscribe(who, subscription.topic) : { ok: false, reason: 'not_authenticated' };
      if (decision.ok) return done(null, subscription);
      refuse('subscribe', decision.reason, client, { topic: subscription.topic });
      if (decision.reason === 'invalid_topic') return done(new Refusal(decision.reason), null); // [MQTT-1.5.3-1]: close
      done(null, null); // SUBACK 0x80 for this filter; the connection stays up
    },

    authorizeForward(_client, packet) {
      metrics.messagesOut.inc();
      metrics.payloadBytesOut.inc(Buffer.byteLength(packet.payload));
      return packet;
    },
  });

  // aedes reports failures of its background rounds (a dead node's wills, read from Redis every 4 heartbeats) as an
  // 'error' event, which unheard would end the process: a Redis outage must not take every node down with it.
  (aedes as unknown as NodeJS.EventEmitter).on('error', (err: Error) => {
    metrics.internalErrors.inc();
    refusalLog.record('broker_error', () =>
      logger.error({ event: 'broker_error', err: err.message }, 'broker background work failed; retried on its next round'),
    );
  });
  let peerWatch: PeerWatch | null = null;
  if (cluster) {
    const appendOnly = await redisSessions!.appendOnly();
    if (appendOnly === false) {
      logger.warn(
        { event: 'redis_without_aof', redis: redactUrl(cluster.redisUrl) },
        'Redis runs without appendonly: a Redis crash loses acknowledged messages',
      );
    }
    peerWatch = watchPeers(aedes, {
      heartbeatMs,
      onGap(reason, peers) {
        // Messages queued in Redis but never emitted (see peer-watch.ts) reach a persistent service session at its
        // next connect: it is made now. Stations are left alone (a few queued commands do not justify a storm).
        const services = Object.values((aedes as unknown as { clients: Record<string, Client> }).clients).filter(
          (c) => !c.clean && principals.get(c)?.role === 'service',
        );
        logger.warn(
          { event: 'cluster_gap', reason, peers, reconnecting: services.map((c) => c.id) },
          'cluster gap: persistent service sessions reconnect to collect what was queued but not sent',
        );
        for (const client of services) client.close();
      },
    });
  }

  const roleOf = (client: Client) => principals.get(client)?.role ?? 'unknown';
  aedes.on('clientReady', (client) => {
    if (client.closed) return;
    counted.add(client);
    metrics.clientsConnected.inc({ role: roleOf(client) });
    logger.debug({ event: 'client_connected', ...describe(client) }, 'client connected');
  });
  aedes.on('clientDisconnect', (client) => {
    sessions?.abandon(client.id, client);
    redisSessions?.abandon(client.id, client);
    if (!counted.delete(client)) return;
    metrics.clientsConnected.dec({ role: roleOf(client) });
    logger.debug({ event: 'client_disconnected', ...describe(client) }, 'client disconnected');
  });
  aedes.on('publish', (packet, client) => {
    if (!client) return; // broker-internal ($SYS heartbeats)
    metrics.messagesIn.inc({ role: principals.get(client)?.role ?? 'unknown' });
    metrics.payloadBytesIn.inc(Buffer.byteLength(packet.payload));
  });
  const slowClients = new WeakSet<Client>();
  const erredClients = new WeakSet<Client>();
  const onClientError = (client: Client, err: Error) => {
    if (err instanceof Refusal || err instanceof PacketTooLargeError) return; // logged where it was decided
    if (err.name === 'AbortError') return; // Duplex.from reports every plain destroy() (a normal close) this way
    if (err instanceof DeliveryAbandoned) return metrics.deliveriesAbandoned.inc(); // still queued for its next session
    const protocol = protocolRefusal(err);
    if (protocol) return refuse(protocol.kind, protocol.reason, client, { error: err.message });
    if (err.message === 'drain timeout') {
      // Every write still waiting on the socket fails with this error; count and log the client once.
      if (slowClients.has(client)) return;
      slowClients.add(client);
      metrics.slowClientDisconnects.inc();
      logger.warn({ event: 'slow_client_disconnected', ...describe(client) }, 'disconnected a client that stopped reading');
      return;
    }
    if (err.message === 'no such packet') {
      // A delivery whose queued message is gone: the session's state and its client disagree. Counted, logged once per client.
      metrics.deliveryErrors.inc();
      if (erredClients.has(client)) return;
      erredClients.add(client);
    }
    refusalLog.record('client_error', () =>
      logger.info({ event: 'client_error', err: clip(err.message, 200), ...clipped(describe(client)) }, 'client connection closed on error'),
    );
  };
  aedes.on('clientError', onClientError);
  aedes.on('connectionError', onClientError);

  function accept(conn: Duplex, transport: 'tcp' | 'ws', remote: string | undefined, req?: IncomingMessage): void {
    metrics.connections.inc({ transport });
    const guarded = limitPacketSize(conn, maxPacketBytes, { onBytes: (n) => metrics.networkBytesIn.inc({ transport }, n) });
    connections.set(guarded, { transport, remote });
    guarded.on('error', (err) => {
      if (!(err instanceof PacketTooLargeError)) return;
      const client = (guarded as Duplex & { client?: Client }).client ?? null;
      refuse('packet', 'packet_too_large', client, { size: err.size, limit: err.limit, remote });
    });
    aedes.handle(guarded, req);
  }

  const tcp = createTcpServer((socket) => accept(socket, 'tcp', socket.remoteAddress));
  let ws: { http: ReturnType<typeof createHttpServer>; wss: WebSocketServer } | null = null;
  if (options.wsPort !== null) {
    const http = createHttpServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n'));
    // ws' own frame limit bounds memory before the MQTT-level limit sees the bytes.
    const wss = new WebSocketServer({ server: http, maxPayload: 4 * maxPacketBytes });
    wss.on('connection', (socket, req) => accept(createWebSocketStream(socket), 'ws', req.socket.remoteAddress, req));
    ws = { http, wss };
  }

  let sessionsClosed: Promise<void> | undefined;
  async function closeAll(): Promise<void> {
    clearInterval(summaryTimer);
    peerWatch?.stop();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await (sessionsClosed ??= store.destroy());
    const closing = tcp.listening ? [closeServer(tcp)] : [];
    if (ws) {
      ws.wss.close();
      ws.http.closeAllConnections();
      if (ws.http.listening) closing.push(closeServer(ws.http));
    }
    await Promise.all(closing);
  }

  for (const id of options.seededSessions ?? []) {
    // An ingest worker's share of the fleet (svc-ingest-2of3) gets its stations' topics, as the worker subscribes them.
    const partition = partitionOfClientId(id);
    const topics = partition
      ? partitionTopics(
          registry.stations.map((s) => s.id),
          partition,
        )
      : TELEMETRY_SUBSCRIPTIONS;
    await store.addSubscriptions(
      { id },
      topics.map((topic) => ({ topic, qos: 1 as const })),
    );
  }

  let port: number;
  let wsPort: number | null = null;
  try {
    port = await listen(tcp, options.port ?? 1883, host);
    if (ws) wsPort = await listen(ws.http, options.wsPort ?? 8083, host);
  } catch (err) {
    await closeAll(); // a taken port must not leave aedes' timers running
    throw err;
  }
  logger.info(
    {
      event: 'broker_listening',
      host,
      port,
      wsPort,
      maxPacketBytes,
      accounts: accounts.size,
      seededSessions: options.seededSessions ?? [],
      sessionsDir: sessionOptions.dir,
      queuedMessages: sessions?.queuedMessages,
      queuedBytes: sessions?.queuedBytes,
      redis: cluster ? redactUrl(cluster.redisUrl) : undefined,
    },
    'MQTT broker listening',
  );

  return {
    port,
    wsPort,
    aedes,
    metrics,
    sessions,
    summariseRefusals: () => refusalLog.summarise(),
    async close() {
      await closeAll();
      logger.info({ event: 'broker_closed' }, 'MQTT broker closed');
    },
  };
}

/** Errors aedes and its parser (mqtt-packet) raise for a client that breaks the protocol, as refusals. */
function protocolRefusal(err: Error): { kind: Kind; reason: RefusalReason } | null {
  const m = err.message;
  if (m === 'connect did not arrive in time') return { kind: 'connect', reason: 'no_connect' };
  if (m === 'Invalid protocolId' || m === 'Cannot parse protocolId') return { kind: 'packet', reason: 'bad_protocol' };
  if (m === 'Invalid protocol version' || m === 'unacceptable protocol version') return { kind: 'connect', reason: 'unsupported_protocol' };
  if (m === '# is not allowed in PUBLISH' || m === '+ is not allowed in PUBLISH' || m === 'topic has too many levels')
    return { kind: 'publish', reason: 'invalid_topic' };
  if (m.startsWith('maxInflightInbound exceeded')) return { kind: 'publish', reason: 'inflight_exceeded' };
  if (m === 'Invalid protocol') return { kind: 'packet', reason: 'malformed_packet' }; // a packet out of order (aedes)
  // mqtt-packet's parser errors: the stream cannot be read any further.
  if (/^(Invalid|Cannot parse|Packet too short|Malformed|Not supported|Unknown property|Packet must not|Connect flag|Will (Retain|QoS))/.test(m))
    return { kind: 'packet', reason: 'malformed_packet' };
  return null;
}

/** A Redis URL fit for a log line: without its password. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
