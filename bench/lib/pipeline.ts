import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Registry } from '../../domain/registry.js';
import { connectInflux, type Influx } from '../../lib/influx/client.js';
import { freePort, startPrivateInfluxd, type PrivateInfluxd } from '../../lib/influx/private-influxd.js';
import { createLogger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { writeClonedRegistry } from '../../device-sim/clone.js';
import { startTs, stopChild, waitForPort } from './proc.js';

// The platform as separate processes for the benchmarks: the real broker and ingest entry points
// (so their CPU and memory can be measured apart), a private influxd, and a registry of N stations
// (cloned beyond the 600 of the default registry) with generated development credentials.

export const benchLogger = createLogger('bench', process.env.LOG_LEVEL ?? 'warn');

export interface Pipeline {
  dir: string;
  registry: Registry;
  registryFile: string;
  credentialsFile: string;
  credentials: Record<string, string>;
  brokerUrl: string;
  broker: ChildProcess;
  /** The ingest process; null when there is none or it runs inside the broker (its metrics are then the broker's). */
  ingest: ChildProcess | null;
  metricsPorts: { broker: number; ingest: number };
  /** Where the services' logs (LOG_LEVEL, default warn) are kept; removed on close unless BENCH_KEEP=1. */
  logs: { broker: string; ingest: string };
  influxd: PrivateInfluxd | null;
  influx: Influx | null;
  close(): Promise<void>;
}

/**
 * `durable: false` turns off what can be turned off: the broker keeps sessions in memory only (no journal)
 * and the ingest never fsyncs its write-ahead log (it still appends every message before the PUBACK).
 * `ingest`: a process of its own subscribed to the broker (separate), inside the broker (embedded), or none.
 */
export async function startPipeline(o: { stations: number; ingest: 'separate' | 'embedded' | null; durable?: boolean }): Promise<Pipeline> {
  const durable = o.durable ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-bench-'));
  const registryFile = join(dir, 'stations.json');
  const credentialsFile = join(dir, 'dev-credentials.json');
  const registry = writeClonedRegistry(loadRegistryFile(), o.stations, registryFile);
  const [mqttPort, brokerMetricsPort, ingestMetricsPort] = [await freePort(), await freePort(), await freePort()];
  const common = { REGISTRY_FILE: registryFile, DEV_CREDENTIALS_FILE: credentialsFile, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };

  let influxd: PrivateInfluxd | null = null;
  let influx: Influx | null = null;
  let ingest: ChildProcess | null = null;
  if (o.ingest) influxd = await startPrivateInfluxd({ logger: benchLogger });
  const ingestEnv = {
    INFLUX_URL: influxd?.url ?? '',
    INFLUX_DATABASE: 'bench',
    INGEST_SPOOL_DIR: join(dir, 'spool'),
    ...(durable ? {} : { INGEST_WAL_FSYNC: 'never' }),
  };
  const broker = startTs(
    'broker/main.ts',
    {
      ...common,
      ...(o.ingest === 'embedded' ? { ...ingestEnv, BROKER_INGEST: 'embedded' } : {}),
      BROKER_ACCOUNTS_FILE: join(dir, 'broker-accounts.json'),
      BROKER_DATA_DIR: durable ? join(dir, 'broker') : 'none',
      BROKER_DEV_CREDENTIALS: 'true',
      MQTT_PORT: String(mqttPort),
      MQTT_WS_PORT: '0',
      BROKER_METRICS_PORT: String(brokerMetricsPort),
      // Without an ingest nobody would ever claim the seeded session, and it would queue every message.
      BROKER_SEEDED_SESSIONS: o.ingest === 'separate' ? 'svc-ingest' : 'none',
      NODE_OPTIONS: process.env.BENCH_BROKER_NODE_OPTIONS ?? '',
    },
    false,
    join(dir, 'broker.log'),
  );
  // Account generation (scrypt per station) comes before the listener.
  await waitForPort(mqttPort, 600_000);
  const brokerUrl = `mqtt://127.0.0.1:${mqttPort}`;

  if (o.ingest === 'separate') {
    ingest = startTs(
      'ingest/main.ts',
      { ...common, ...ingestEnv, MQTT_URL: brokerUrl, INGEST_METRICS_PORT: String(ingestMetricsPort) },
      false,
      join(dir, 'ingest.log'),
    );
    await waitForPort(ingestMetricsPort, 120_000);
  }
  if (influxd) influx = await connectInflux({ url: influxd.url, database: 'bench' }, benchLogger);
  if (!existsSync(credentialsFile)) throw new Error(`the broker did not write ${credentialsFile}`);
  const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8')) as Record<string, string>;
  return {
    dir,
    registry,
    registryFile,
    credentialsFile,
    credentials,
    brokerUrl,
    broker,
    ingest,
    metricsPorts: { broker: brokerMetricsPort, ingest: o.ingest === 'embedded' ? brokerMetricsPort : ingestMetricsPort },
    logs: { broker: join(dir, 'broker.log'), ingest: join(dir, 'ingest.log') },
    influxd,
    influx,
    async close() {
      if (ingest) await stopChild(ingest);
      await stopChild(broker);
      await influx?.close();
      await influxd?.stop();
      if (process.env.BENCH_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
    },
  };
}
