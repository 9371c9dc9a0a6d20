// bench/connections: how many concurrent station connections one broker process holds, and the
// memory each costs. Stations (each with its own credentials) connect from several loader
// processes over several loopback source addresses (127.0.0.x), since one process may hold at
// most 20,000 open files here. Prints one JSON object.
//
//   npm run bench:connections
//   BENCH_CONNECTIONS=15000 BENCH_CONNECTION_LOADERS=4 BENCH_ADDRESSES_PER_LOADER=2 BENCH_CONNECT_TIMEOUT_S=300
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { connectAsync } from 'mqtt';
import { telemetryTopic } from '../domain/topics.js';
import { startLoaders } from './lib/loaders.js';
import { startPipeline } from './lib/pipeline.js';
import { cpuPercent, sample } from './lib/proc.js';

const num = (name: string, fallback: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
  return v;
};
const target = num('BENCH_CONNECTIONS', 15_000);
const processes = num('BENCH_CONNECTION_LOADERS', 4);
const addressesPerLoader = num('BENCH_ADDRESSES_PER_LOADER', 2);
const timeoutS = num('BENCH_CONNECT_TIMEOUT_S', 300);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A timeout that does not keep the process alive once everything else is done. */
const deadline = (ms: number) => new Promise<false>((r) => setTimeout(() => r(false), ms).unref());

const p = await startPipeline({ stations: target + 1, ingest: null });
const pid = p.broker.pid!;
try {
  await sleep(2000);
  const idle = sample(pid);
  const started = performance.now();
  const loaders = startLoaders({
    processes,
    from: 0,
    to: target,
    rate: 0,
    registryFile: p.registryFile,
    credentialsFile: p.credentialsFile,
    brokerUrl: p.brokerUrl,
    addressesPerLoader,
  });
  const allConnected = await Promise.race([loaders.ready.then(() => true), deadline(timeoutS * 1000)]);
  const connectSeconds = (performance.now() - started) / 1000;
  await sleep(5000);
  const held = sample(pid);
  const connected = loaders.connected();

  // With everyone connected: is the broker still responsive? One more station publishes 200 QoS 1 messages.
  const probe = p.registry.stations[target]!.id;
  const client = await connectAsync(p.brokerUrl, { username: probe, password: p.credentials[probe], clientId: probe, protocolVersion: 4 });
  const topic = telemetryTopic({ stationId: probe, channel: 'occupancy' });
  const latencies: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await client.publishAsync(topic, JSON.stringify({ station: probe, ts: Date.now(), people: 1, entries: 0 }), { qos: 1 });
    latencies.push(performance.now() - t0);
  }
  await client.endAsync();
  latencies.sort((a, b) => a - b);

  // Idle cost of holding them (keepalive pings) over 10 s.
  const a = sample(pid);
  await sleep(10_000);
  const b = sample(pid);
  const loaderStats = await loaders.stop();

  const result = {
    bench: 'connections',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, openFilesPerProcess: 20_000 },
    target,
    connected,
    allConnected,
    loaderProcesses: processes,
    sourceAddresses: processes * addressesPerLoader,
    connectSeconds: Math.round(connectSeconds * 10) / 10,
    connectsPerSec: Math.round(connected / connectSeconds),
    refusedConnects: loaderStats.reduce((s, x) => s + x.refused, 0),
    brokerRssMb: { before: idle.rssMb, withConnections: held.rssMb, peak: held.peakRssMb },
    rssPerConnectionKb: connected > 0 ? Math.round(((held.rssMb - idle.rssMb) * 1024) / connected) : null,
    brokerCpuPercentHoldingThem: cpuPercent(a, b, 10),
    probePublishToAckMs: { p50: Math.round(latencies[100]! * 100) / 100, p99: Math.round(latencies[197]! * 100) / 100 },
    targetMet: connected >= 15_000 && held.peakRssMb < 1536,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await p.close();
}
