import { z } from 'zod';
import { env, SHARED_ENV } from '../lib/config.js';
import { MAX_PAYLOAD_BYTES } from '../domain/telemetry.js';
import { isServiceClientId } from './acl.js';
import { projectPath } from '../lib/paths.js';
import {
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_MAX_PACKET_BYTES,
  DEFAULT_QUEUE_MAX_BYTES,
  DEFAULT_REDIS_QUEUE_MAX_MESSAGES,
  DEFAULT_SESSION_INFLIGHT,
  type SessionOptions,
} from './broker.js';
import { FSYNC_POLICIES } from './session-persistence.js';

export const BrokerConfigSchema = z.object({
  MQTT_HOST: env.string('127.0.0.1', 'Interface the MQTT (TCP and WebSocket) and metrics listeners bind to; 0.0.0.0 in docker'),
  MQTT_PORT: env.port(1883, 'MQTT 3.1.1 over TCP'),
  MQTT_WS_PORT: env.port(8083, 'MQTT 3.1.1 over WebSocket'),
  BROKER_METRICS_PORT: env.port(9101, 'Prometheus /metrics of the broker'),
  BROKER_ACCOUNTS_FILE: env.string(
    'var/broker-accounts.json',
    'Account file with salted scrypt hashes (relative to the project root); create with `npm run credentials -- generate`',
  ),
  BROKER_DEV_CREDENTIALS: env.flag(false, 'Development only: generate missing accounts and write their passwords to DEV_CREDENTIALS_FILE on start'),
  DEV_CREDENTIALS_FILE: SHARED_ENV.DEV_CREDENTIALS_FILE,
  MQTT_MAX_PACKET_BYTES: env.int(
    DEFAULT_MAX_PACKET_BYTES,
    256,
    1 << 20,
    `Largest MQTT packet accepted, in bytes (payloads are further limited to ${MAX_PAYLOAD_BYTES})`,
  ),
  BROKER_DRAIN_TIMEOUT_MS: env.int(
    DEFAULT_DRAIN_TIMEOUT_MS,
    100,
    600_000,
    'A subscriber whose socket does not drain within this time is disconnected, so it cannot stall delivery to others',
  ),
  BROKER_DATA_DIR: env.string(
    'var/broker',
    'Directory of the session journal (relative to the project root): persistent sessions and their queued QoS 1 messages survive a broker restart; none keeps them in memory only',
  ),
  BROKER_FSYNC: z
    .enum(FSYNC_POLICIES)
    .default('everysec')
    .describe(
      'When the session journal is fsynced: always (before each batch of PUBACKs; survives power loss), everysec (power loss may lose the last second), no (the OS decides); every mode survives a crash of the broker process',
    ),
  BROKER_QUEUE_MAX_BYTES: env.int(
    DEFAULT_QUEUE_MAX_BYTES,
    1024,
    2 ** 40,
    'Memory of the messages queued for persistent sessions such as the ingest (payload, topic and ~1 kB of bookkeeping each, see bench/broker-queue-memory.ts); beyond it PUBACKs are held, so stations wait and keep their own store-and-forward',
  ),
  BROKER_SESSION_INFLIGHT: env.int(
    DEFAULT_SESSION_INFLIGHT,
    1,
    65_000,
    'QoS 1 messages sent to one persistent session and not yet acknowledged; the rest wait in its queue',
  ),
  BROKER_REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' })
    .optional()
    .describe(
      'Run as one node of a cluster: subscriptions, persistent sessions with their queued messages, retained messages and every publish are shared through this Redis (run it with appendonly yes); BROKER_DATA_DIR, BROKER_FSYNC and BROKER_QUEUE_MAX_BYTES are then unused (BROKER_REDIS_QUEUE_MAX_MESSAGES bounds the queues). Unset: a single broker with its own session journal',
    ),
  BROKER_REDIS_QUEUE_MAX_MESSAGES: env.int(
    DEFAULT_REDIS_QUEUE_MAX_MESSAGES,
    1,
    2 ** 40,
    'With BROKER_REDIS_URL: messages one persistent session (an ingest worker) may have queued in Redis (some 500 bytes of Redis memory each); beyond it PUBACKs are held until its queue is under 90 % again, checked every 0.5 s',
  ),
  REGISTRY_FILE: SHARED_ENV.REGISTRY_FILE,
  BROKER_INGEST: z
    .enum(['separate', 'embedded'])
    .default('separate')
    .describe(
      "Where telemetry is written to InfluxDB: separate = an ingest process subscribed as svc-ingest (a persistent session); embedded = inside this broker node, before each PUBACK (no second QoS 1 leg; each node writes what its own clients publish, see README 'Zero loss'); the node then also reads the ingest's INFLUX_* and INGEST_* variables (not INGEST_MQTT_*, INGEST_PARTITION), and INGEST_SPOOL_DIR must be its own",
    ),
  BROKER_SEEDED_SESSIONS: z
    .string()
    .optional()
    .transform((list) =>
      list === undefined
        ? undefined
        : list === 'none'
          ? []
          : list
              .split(',')
              .map((id) => id.trim())
              .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z
            .string()
            .refine(isServiceClientId, { message: 'expected service client ids: svc-ingest, svc-alerting or svc-dashboard, optionally with -<instance>' }),
        )
        .optional(),
    )
    .describe(
      'Comma-separated client ids of persistent service sessions created at start, so telemetry sent before they ever connect is queued, not dropped; name only services that run (an unclaimed session fills the queue bound and then holds every station); none for no session. Unset: svc-ingest with BROKER_INGEST=separate, none with embedded',
    ),
});
export type BrokerConfig = z.infer<typeof BrokerConfigSchema>;

/** The startBroker options that come from configuration (shared by broker/main.ts and the all-in-one platform). */
export const brokerListenOptions = (config: BrokerConfig) => ({
  host: config.MQTT_HOST,
  port: config.MQTT_PORT,
  wsPort: config.MQTT_WS_PORT,
  maxPacketBytes: config.MQTT_MAX_PACKET_BYTES,
  drainTimeoutMs: config.BROKER_DRAIN_TIMEOUT_MS,
  seededSessions: config.BROKER_SEEDED_SESSIONS ?? (config.BROKER_INGEST === 'embedded' ? [] : ['svc-ingest']),
  cluster: config.BROKER_REDIS_URL ? { redisUrl: config.BROKER_REDIS_URL, maxQueuedMessages: config.BROKER_REDIS_QUEUE_MAX_MESSAGES } : undefined,
  sessions: {
    dir: config.BROKER_DATA_DIR === 'none' ? null : projectPath(config.BROKER_DATA_DIR),
    fsync: config.BROKER_FSYNC,
    maxQueueBytes: config.BROKER_QUEUE_MAX_BYTES,
    maxInFlight: config.BROKER_SESSION_INFLIGHT,
  } satisfies SessionOptions,
});
