// bench/connect-churn: broker memory and broker_clients_connected over many connect → CONNACK → close cycles (the
// churn runs in a child process, bench/lib/connect-churn.ts). The broker runs in this process so its heap can be
// measured after a forced GC. Prints one JSON object.
//
//   node --expose-gc --import tsx bench/connect-churn.ts      (BENCH_CHURN_ROUNDS=5, BENCH_CHURN_STATIONS=100, BENCH_CHURN_CYCLES=20)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry as MetricsRegistry } from 'prom-client';
import { startBroker } from '../broker/broker.js';
import { ensureDevCredentials } from '../broker/credentials.js';
import { indexRegistry } from '../domain/registry.js';
import { createLogger } from '../lib/logger.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { runConnectChurn } from './lib/connect-churn.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const rounds = num('BENCH_CHURN_ROUNDS', 5);
const cycles = num('BENCH_CHURN_CYCLES', 20);
const registry = indexRegistry(loadRegistryFile().stations.slice(0, num('BENCH_CHURN_STATIONS', 100)));

const dir = mkdtempSync(join(tmpdir(), 'qdyz-churn-'));
const { credentials, accounts } = await ensureDevCredentials(registry, { accountsFile: join(dir, 'accounts.json'), devCredentialsFile: join(dir, 'dev.json') });
const broker = await startBroker({ registry, accounts, logger: createLogger('broker', 'silent'), metrics: new MetricsRegistry(), port: 0, wsPort: null });
const stations = Object.fromEntries(registry.stations.map((s) => [s.id, credentials[s.id]!]));

// aedes' own signals: every connect series that sent a CONNACK has ended and nobody is connected.
const counts = { connack: 0, ready: 0 };
let onEvent = () => {};
broker.aedes.on('connackSent', () => void counts.connack++);
broker.aedes.on('clientReady', () => (counts.ready++, onEvent()));
broker.aedes.on('clientDisconnect', () => onEvent());
const settled = () =>
  new Promise<void>((resolve) => {
    onEvent = () => {
      if (broker.aedes.connectedClients === 0 && counts.ready === counts.connack) resolve();
    };
    onEvent();
  });

const heapMb = () => {
  gc();
  gc();
  return Math.round(process.memoryUsage().heapUsed / 1024 / 102.4) / 10;
};
const gauge = async () => (await broker.metrics.clientsConnected.get()).values.reduce((sum, v) => sum + v.value, 0);

const samples = [{ cycles: 0, heapMb: heapMb(), gauge: await gauge() }];
let total = 0;
for (let r = 0; r < rounds; r++) {
  total += await runConnectChurn({ port: broker.port, stations, cycles });
  await settled();
  samples.push({ cycles: total, heapMb: heapMb(), gauge: await gauge() });
}
await broker.close();
rmSync(dir, { recursive: true, force: true });
const first = samples[1]!.heapMb;
const last = samples.at(-1)!.heapMb;
console.log(JSON.stringify({ cycles: total, samples, heapGrowthAfterFirstRoundMb: Math.round((last - first) * 10) / 10, finalGauge: samples.at(-1)!.gauge }));
