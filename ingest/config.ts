import { z } from 'zod';
import { env, SHARED_ENV } from '../lib/config.js';
import { InfluxEnvSchema } from '../lib/influx/env.js';
import { projectPath } from '../lib/paths.js';
import { STORE_AND_FORWARD_HORIZON_MS } from '../domain/telemetry.js';
import { parsePartition, partitionClientId, partitionTopics, type Partition } from '../domain/partition.js';
import type { Registry } from '../domain/registry.js';

export const IngestConfigSchema = InfluxEnvSchema.extend({
  MQTT_URL: SHARED_ENV.MQTT_URL,
  INGEST_MQTT_USERNAME: env.string('svc-ingest', 'Broker account of the ingest'),
  INGEST_MQTT_PASSWORD: env.optionalString('Its password; unset: taken from DEV_CREDENTIALS_FILE (development set-up)'),
  INGEST_MQTT_CLIENT_ID: env.string('svc-ingest', 'Stable client id of the persistent session: svc-ingest or svc-ingest-<instance>'),
  DEV_CREDENTIALS_FILE: SHARED_ENV.DEV_CREDENTIALS_FILE,
  INGEST_PARTITION: z
    .string()
    .default('1/1')
    .transform((text, ctx) => parsePartition(text) ?? (ctx.addIssue({ code: 'custom', message: 'expected k/K with 1 <= k <= K, e.g. 2/3' }), z.NEVER))
    .describe(
      "This worker's share k/K of the fleet's telemetry when K ingest workers run side by side: the stations whose id hashes to k (domain/partition.ts), subscribed as exact topics; the client id gets -<k>of<K> appended (seed that session on the brokers: BROKER_SEEDED_SESSIONS=svc-ingest-1of2,…). Drain the workers before changing K: the old sessions keep what is queued for them",
    ),
  INGEST_BATCH_SIZE: env.int(
    5000,
    1,
    100_000,
    "Points per InfluxDB write request (InfluxDB's advice is 5,000 lines; bench:ingest max, embedded, back to back: 9,618 vs 5,267 and 9,255 vs 7,495 msg/s sustained against 1,000)",
  ),
  INGEST_FLUSH_MS: env.int(250, 10, 60_000, 'Longest time a point waits in the batch before it is sent (bounds publish→persisted latency)'),
  INGEST_SPOOL_DIR: env.string(
    'var/spool/ingest',
    'Write-ahead log: every accepted point is appended here before its PUBACK, deleted once InfluxDB confirmed it, replayed at start (relative to the project root)',
  ),
  INGEST_WAL_FSYNC: z
    .enum(['always', 'interval', 'never'])
    .default('interval')
    .describe(
      'fsync of the write-ahead log (power loss; a process crash loses nothing either way): always = before each PUBACK (the separate ingest: one fsync per message, 0.7–3.7 ms here, so a cap of about 270–1,500 msg/s; embedded: one per group of a turn), interval = every INGEST_WAL_FSYNC_MS, never = the OS decides',
    ),
  INGEST_WAL_FSYNC_MS: env.int(1000, 10, 60_000, 'Group-commit interval of INGEST_WAL_FSYNC=interval: acknowledged messages a power loss can take'),
  INGEST_MAX_AGE_MS: env.int(
    STORE_AND_FORWARD_HORIZON_MS,
    0,
    20 * 365 * 86_400_000,
    'Samples older than this (sample time vs receive time) are not written, so a station cannot rewrite its stored history; 0 = no bound, only for an ingest that takes a backfill (docs/simulator.md)',
  ),
  INGEST_METRICS_HOST: env.string('127.0.0.1', 'Interface of the /metrics listener; 0.0.0.0 in docker'),
  INGEST_METRICS_PORT: env.port(9102, 'Prometheus /metrics of the ingest'),
  REGISTRY_FILE: SHARED_ENV.REGISTRY_FILE,
});
export type IngestConfig = z.infer<typeof IngestConfigSchema>;

/** The ingest's own settings from its config, as startIngest takes them (the standalone main and the platform share this). */
export const ingestSettings = (config: IngestConfig, registry: Registry) => ({
  ...partitionSettings(config.INGEST_MQTT_CLIENT_ID, config.INGEST_PARTITION, registry),
  maxAgeMs: config.INGEST_MAX_AGE_MS,
  writer: {
    spoolDir: projectPath(config.INGEST_SPOOL_DIR),
    batchSize: config.INGEST_BATCH_SIZE,
    flushMs: config.INGEST_FLUSH_MS,
    fsync: config.INGEST_WAL_FSYNC,
    fsyncIntervalMs: config.INGEST_WAL_FSYNC_MS,
  },
});

/** The whole fleet: the client id as configured, all telemetry. A share: its own session and its stations' topics. */
function partitionSettings(clientId: string, partition: Partition, registry: Registry) {
  if (partition.count === 1) return { clientId };
  return {
    clientId: partitionClientId(clientId, partition),
    subscriptions: partitionTopics(
      registry.stations.map((s) => s.id),
      partition,
    ),
  };
}
