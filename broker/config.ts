import { z } from 'zod';
import { env, SHARED_ENV } from '../lib/config.js';
import { MAX_PAYLOAD_BYTES } from '../domain/telemetry.js';
import { isServiceClientId } from './acl.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_MAX_PACKET_BYTES } from './broker.js';

export const BrokerConfigSchema = z.object({
  MQTT_HOST: env.string('127.0.0.1', 'Interface the MQTT (TCP and WebSocket) and metrics listeners bind to; 0.0.0.0 in docker'),
  MQTT_PORT: env.port(1883, 'MQTT 3.1.1 over TCP'),
  MQTT_WS_PORT: env.port(8083, 'MQTT 3.1.1 over WebSocket'),
  BROKER_METRICS_PORT: env.port(9101, 'Prometheus /metrics of the broker'),
  BROKER_ACCOUNTS_FILE: env.string('var/broker-accounts.json', 'Account file with salted scrypt hashes (relative to the project root); create with `npm run credentials -- generate`'),
  BROKER_DEV_CREDENTIALS: env.flag(false, 'Development only: generate missing accounts and write their passwords to DEV_CREDENTIALS_FILE on start'),
  DEV_CREDENTIALS_FILE: SHARED_ENV.DEV_CREDENTIALS_FILE,
  MQTT_MAX_PACKET_BYTES: env.int(DEFAULT_MAX_PACKET_BYTES, 256, 1 << 20, `Largest MQTT packet accepted, in bytes (payloads are further limited to ${MAX_PAYLOAD_BYTES})`),
  BROKER_DRAIN_TIMEOUT_MS: env.int(DEFAULT_DRAIN_TIMEOUT_MS, 100, 600_000, 'A subscriber whose socket does not drain within this time is disconnected, so it cannot stall delivery to others'),
  REGISTRY_FILE: SHARED_ENV.REGISTRY_FILE,
  BROKER_SEEDED_SESSIONS: z
    .string()
    .default('svc-ingest')
    .transform((list) => (list === 'none' ? [] : list.split(',').map((id) => id.trim()).filter(Boolean)))
    .pipe(z.array(z.string().refine(isServiceClientId, { message: 'expected service client ids: svc-ingest, svc-alerting or svc-dashboard, optionally with -<instance>' })))
    .describe(
      'Comma-separated client ids of persistent service sessions created at start, so telemetry sent before they reconnect after a broker restart is queued, not dropped; name only services that run (an unclaimed session queues without bound); none for no session',
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
  seededSessions: config.BROKER_SEEDED_SESSIONS,
});
