import { Counter, Gauge, type Registry } from 'prom-client';

export type BrokerMetrics = ReturnType<typeof createBrokerMetrics>;

/** What the session store reports at scrape time. */
export interface SessionStats {
  readonly queuedBytes: number;
  readonly queuedMessages: number;
  readonly journalBytes: number;
}

/** Gauges of a node's own session store (a node of a cluster has its queues in Redis, and none of these). */
function sessionGauges(registers: Registry[], sessions: SessionStats) {
  return {
    queuedBytes: new Gauge({
      name: 'broker_session_queue_bytes',
      help: 'Memory of the messages queued for persistent sessions: payload, topic and bookkeeping (bounded by BROKER_QUEUE_MAX_BYTES)',
      registers,
      collect() {
        this.set(sessions.queuedBytes);
      },
    }),
    queuedMessages: new Gauge({
      name: 'broker_session_queue_messages',
      help: 'Messages queued for persistent sessions, not yet acknowledged by all of them',
      registers,
      collect() {
        this.set(sessions.queuedMessages);
      },
    }),
    journalBytes: new Gauge({
      name: 'broker_session_journal_bytes',
      help: 'Size of the session journal file (compacted when it reaches twice its live size, at least 64 MiB)',
      registers,
      collect() {
        this.set(sessions.journalBytes);
      },
    }),
  };
}

export function createBrokerMetrics(registry: Registry, sessions: SessionStats | null) {
  const registers = [registry];
  return {
    ...(sessions ? sessionGauges(registers, sessions) : {}),
    unacknowledged: new Gauge({
      name: 'broker_publishes_unacknowledged',
      help: 'QoS 1 publishes received and not yet acknowledged: being made durable, or held by back-pressure',
      registers,
    }),
    backpressure: new Gauge({ name: 'broker_backpressure', help: '1 while publishers are held because the session queues are full', registers }),
    backpressureEpisodes: new Counter({
      name: 'broker_backpressure_episodes_total',
      help: 'Times the session queues filled up and publishers were held',
      registers,
    }),
    journalErrors: new Counter({
      name: 'broker_session_journal_errors_total',
      help: 'Failed writes or fsyncs of the session journal (their publishes got no PUBACK)',
      registers,
    }),
    journalBadTailBytes: new Counter({
      name: 'broker_session_journal_bad_tail_bytes_total',
      help: 'Bytes of damaged journal tail found at start and moved aside',
      registers,
    }),
    deliveryErrors: new Counter({
      name: 'broker_delivery_errors_total',
      help: 'Deliveries to a persistent session that found their queued message gone (aedes: no such packet)',
      registers,
    }),
    internalErrors: new Counter({
      name: 'broker_internal_errors_total',
      help: "Errors of the broker's own background work (e.g. publishing the wills of a dead cluster node while Redis is unreachable); retried on its next round",
      registers,
    }),
    deliveriesAbandoned: new Counter({
      name: 'broker_deliveries_abandoned_total',
      help: 'Deliveries waiting for a session window slot when their client disconnected (they stay queued)',
      registers,
    }),
    clientsConnected: new Gauge({
      name: 'broker_clients_connected',
      help: 'MQTT clients connected and authenticated, by role',
      labelNames: ['role'],
      registers,
    }),
    connections: new Counter({
      name: 'broker_connections_total',
      help: 'Network connections accepted, by transport (tcp|ws)',
      labelNames: ['transport'],
      registers,
    }),
    messagesIn: new Counter({
      name: 'broker_messages_in_total',
      help: 'PUBLISH packets accepted from clients (incl. Last Wills), by role',
      labelNames: ['role'],
      registers,
    }),
    messagesOut: new Counter({ name: 'broker_messages_out_total', help: 'PUBLISH packets delivered to subscribers', registers }),
    payloadBytesIn: new Counter({ name: 'broker_payload_bytes_in_total', help: 'Payload bytes of accepted PUBLISH packets', registers }),
    payloadBytesOut: new Counter({ name: 'broker_payload_bytes_out_total', help: 'Payload bytes delivered to subscribers', registers }),
    networkBytesIn: new Counter({
      name: 'broker_network_bytes_in_total',
      help: 'Bytes received on client connections, by transport',
      labelNames: ['transport'],
      registers,
    }),
    refusals: new Counter({
      name: 'broker_refusals_total',
      help: 'Refused connects, publishes, subscribes and oversized packets, by kind and reason',
      labelNames: ['kind', 'reason'],
      registers,
    }),
    slowClientDisconnects: new Counter({
      name: 'broker_slow_client_disconnects_total',
      help: 'Clients disconnected because their socket did not drain within the drain timeout',
      registers,
    }),
  };
}
