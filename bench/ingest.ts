// bench/ingest: the whole pipeline on this machine — stations with their own credentials publishing
// at a rate (QoS 1) → broker process → ingest process → InfluxDB — and, in the same run, the raw
// ceiling: the same points posted straight to InfluxDB as line protocol. Prints one JSON object.
//
//   npm run bench:ingest
//   BENCH_STEADY_STATIONS=600 BENCH_STEADY_RATE=1 BENCH_STEADY_SECONDS=60
//   BENCH_WARMUP_SECONDS=10: publishing before each phase's measured window (CPU figures cover the window;
//   published, acknowledged, persisted and lost cover everything, warm-up included)
//   BENCH_MAX_STATIONS=2000 BENCH_MAX_RATE=10 BENCH_MAX_SECONDS=15 BENCH_LOADERS=2   (BENCH_KEEP=1 keeps the services' logs)
//   BENCH_INFLIGHT=20: each station's inflight window (QoS 1 messages awaiting their PUBACK; later ones wait
//   on the station, as firmware's store-and-forward does); 0 = unlimited, a client that never waits.
//   INGEST_WAL_FSYNC=interval (default) | never | always: the ingest's fsync policy (it inherits the environment);
//   every message is appended to the write-ahead log before its PUBACK whatever the policy.
//   BENCH_BROKER_NODE_OPTIONS: the broker process's NODE_OPTIONS, e.g. --max-old-space-size=320 (V8 otherwise lets
//   garbage pile up to its own heap limit before a full collection: the RSS then says little about what is live).
//   BENCH_DURABILITY=off: the broker without its session journal (memory only) and the ingest's log never
//   fsynced — the cost of durability is the difference to the default (on).
//   BENCH_INGEST=embedded (default, as `npm start` runs it) | separate: the ingest inside the broker process
//   (BROKER_INGEST=embedded: its log written before each PUBACK, no second QoS 1 leg), or as its own process
//   subscribed to the broker (docker compose's layout).
//
// publish→persisted latency is measured on probe messages (one every 100 ms from an extra station,
// interleaved with the load) by polling InfluxDB every 50 ms for them; loss by counting points.
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { toPoint } from '../domain/series.js';
import { decodeTelemetry } from '../domain/telemetry.js';
import { toLine } from '../lib/influx/points.js';
import { loadMessage } from '../device-sim/load.js';
import type { FleetStats } from '../device-sim/stats.js';
import { startLoaders } from './lib/loaders.js';
import { startPipeline, type Pipeline } from './lib/pipeline.js';
import { persistedLoadPoints } from './lib/persisted.js';
import { startProbe } from './lib/probe.js';
import { cpuPercent, pidOf, sample, scrape, type ProcSample } from './lib/proc.js';

const int = (name: string, fallback: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number`);
  return v;
};
const steadyCfg = { stations: int('BENCH_STEADY_STATIONS', 600), rate: int('BENCH_STEADY_RATE', 1), seconds: int('BENCH_STEADY_SECONDS', 60), loaders: 1 };
const maxCfg = {
  stations: int('BENCH_MAX_STATIONS', 2000),
  rate: int('BENCH_MAX_RATE', 10),
  seconds: int('BENCH_MAX_SECONDS', 15),
  loaders: int('BENCH_LOADERS', 2),
};

const inflight = int('BENCH_INFLIGHT', 20);
const warmupS = int('BENCH_WARMUP_SECONDS', 10);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NO_PROCESS: ProcSample = { cpuS: 0, rssMb: 0, peakRssMb: 0 };
/** A figure summed over the loaders. */
const sum = (stats: FleetStats[], key: 'acknowledged' | 'sent'): number => stats.reduce((a, s) => a + s[key], 0);

async function phase(p: Pipeline, cfg: typeof steadyCfg, probe: string) {
  const loaders = startLoaders({
    processes: cfg.loaders,
    from: 0,
    to: cfg.stations,
    rate: cfg.rate,
    registryFile: p.registryFile,
    credentialsFile: p.credentialsFile,
    brokerUrl: p.brokerUrl,
    maxInFlight: inflight || undefined,
  });
  await loaders.ready;
  await sleep(2000);
  // Embedded, the ingest's CPU is in the broker's (its own figures are then 0).
  const pids = { broker: p.broker.pid!, ingest: p.ingest?.pid ?? null, influxd: pidOf(p.influxd!.dataDir) };
  const sampleAll = () =>
    Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid === null ? NO_PROCESS : sample(pid)])) as Record<keyof typeof pids, ProcSample>;
  const t0 = Date.now();
  // The machine is shared: its load average says how much of it the run had (CPU per message is the steadier figure).
  const loadBefore = loadavg().map((l) => Math.round(l * 10) / 10);
  const probeRun = await startProbe({ brokerUrl: p.brokerUrl, station: probe, password: p.credentials[probe], influx: p.influx! });
  loaders.start();
  // CPU figures cover the measured window: after the warm-up (the first seconds of publishing cost
  // two to three times the steady rate: V8 compiling the hot path, first-time state per station) and
  // before the stations disconnect (reported apart, teardownCpuS). Loss counts every message.
  await sleep(warmupS * 1000);
  const before = sampleAll();
  const tWindow = Date.now();
  const ackedBefore = sum(await loaders.stats(), 'acknowledged');
  // The loaders share the machine: their CPU over the window says what was left for the pipeline.
  const loadersBefore = loaders.children.map((c) => sample(c.pid!));
  await sleep(cfg.seconds * 1000);
  const atWindowEnd = sampleAll();
  const window = (Date.now() - tWindow) / 1000;
  const ackedInWindow = sum(await loaders.stats(), 'acknowledged') - ackedBefore;
  const loadersCpu = loaders.children.reduce((sum, c, i) => sum + cpuPercent(loadersBefore[i]!, sample(c.pid!), window), 0);
  const publishingS = (Date.now() - t0) / 1000;
  const stats: FleetStats[] = await loaders.stop();
  const tEnd = Date.now();

  const acknowledged = sum(stats, 'acknowledged');
  const published = sum(stats, 'sent');
  // Wait for the pipeline to drain: until every acknowledged message is a point, or no progress for 15 s.
  let count = 0;
  let lastChange = Date.now();
  let tPersisted = Date.now();
  const drainDeadline = Date.now() + 180_000;
  while (count < acknowledged && Date.now() - lastChange < 15_000 && Date.now() < drainDeadline) {
    await sleep(500);
    const c = await persistedLoadPoints(p.influx!, t0, [probe]);
    if (c !== count) {
      count = c;
      lastChange = tPersisted = Date.now();
    }
  }
  const { latencies: _, ...latency } = await probeRun.stop();
  const ingestMetrics = await scrape(p.metricsPorts.ingest, [
    'telemetry_messages_received_total',
    'telemetry_messages_accepted_total',
    'ingest_points_written_total',
    'ingest_wal_points_appended_total',
    'ingest_wal_blocked_total',
  ]);
  const brokerMetrics = await scrape(p.metricsPorts.broker, [
    'broker_messages_in_total',
    'broker_messages_out_total',
    'broker_refusals_total',
    'broker_slow_client_disconnects_total',
  ]);
  const after = sampleAll();
  const cpu = {
    broker: cpuPercent(before.broker, atWindowEnd.broker, window),
    ingest: cpuPercent(before.ingest, atWindowEnd.ingest, window),
    influxd: cpuPercent(before.influxd, atWindowEnd.influxd, window),
  };
  const micros = (k: keyof typeof pids) => Math.round(((atWindowEnd[k].cpuS - before[k].cpuS) * 1e6) / Math.max(1, ackedInWindow));
  const teardown = (k: keyof typeof pids) => Math.round((after[k].cpuS - atWindowEnd[k].cpuS) * 100) / 100;
  const ack = (k: 'p50' | 'p99') => Math.max(...stats.map((s) => s.latencyMs[k]));
  return {
    stations: cfg.stations,
    ratePerStation: cfg.rate,
    seconds: cfg.seconds,
    loaderProcesses: cfg.loaders,
    stationInflightWindow: inflight || 'unlimited',
    loadAverage: { before: loadBefore, after: loadavg().map((l) => Math.round(l * 10) / 10) },
    warmupSeconds: warmupS,
    offeredMsgsPerSec: Math.round(published / publishingS),
    published,
    acknowledged,
    persisted: count,
    lost: acknowledged - count,
    heldOnStations: published - acknowledged,
    msgsPerSecSustained: Math.round(count / ((tPersisted - t0) / 1000)),
    publishToPersistedMs: latency,
    publishToAckMs: { p50: ack('p50'), p99: ack('p99'), note: 'worst loader' },
    acknowledgedInWindow: ackedInWindow,
    cpuMicrosPerMessage: { broker: micros('broker'), ingest: micros('ingest'), note: 'CPU of the publishing window / messages acknowledged in it' },
    cpuPercentOfOneCore: {
      ...cpu,
      brokerPlusIngest: Math.round((cpu.broker + cpu.ingest) * 10) / 10,
      loadersWhilePublishing: Math.round(loadersCpu * 10) / 10,
      note: 'over the publishing window',
    },
    teardownCpuS: { broker: teardown('broker'), ingest: teardown('ingest'), note: 'after the window: stations disconnecting, the drain' },
    drainSeconds: Math.round((tPersisted - tEnd) / 100) / 10,
    ingestMetricsCumulative: ingestMetrics,
    brokerMetricsCumulative: brokerMetrics,
    rssMb: {
      broker: after.broker.rssMb,
      brokerPeak: after.broker.peakRssMb,
      ingest: after.ingest.rssMb,
      ingestPeak: after.ingest.peakRssMb,
      influxd: after.influxd.rssMb,
    },
  };
}

/** The same kind and number of points as a phase, straight to InfluxDB's /write as line protocol. */
async function ceiling(p: Pipeline, points: number, stations: number) {
  const url = p.influxd!.url;
  await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE ceiling' }) });
  const base = Date.now() - 3_600_000;
  const lines: string[] = [];
  for (let i = 0; i < points; i++) {
    const station = p.registry.stations[i % stations]!;
    const m = loadMessage(station, Math.floor(i / stations), base + Math.floor(i / stations));
    const decoded = decodeTelemetry(m.topic, Buffer.from(JSON.stringify(m.payload)), p.registry, Date.now());
    if (!decoded.ok) throw new Error(`load message rejected: ${decoded.detail}`);
    lines.push(toLine(toPoint(decoded.message, station)));
  }
  const batch = 5000;
  const batches = Array.from({ length: Math.ceil(lines.length / batch) }, (_, i) => lines.slice(i * batch, (i + 1) * batch).join('\n'));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      for (let i = next++; i < batches.length; i = next++) {
        const res = await fetch(`${url}/write?db=ceiling&precision=ms`, { method: 'POST', body: batches[i] });
        if (res.status !== 204) throw new Error(`ceiling write failed: ${res.status} ${await res.text()}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { points, batchSize: batch, concurrency: 2, seconds: Math.round(seconds * 100) / 100, pointsPerSec: Math.round(points / seconds) };
}

const durable = process.env.BENCH_DURABILITY !== 'off';
const ingestMode = process.env.BENCH_INGEST ?? 'embedded';
if (ingestMode !== 'embedded' && ingestMode !== 'separate') throw new Error('BENCH_INGEST must be embedded or separate');
const total = Math.max(steadyCfg.stations, maxCfg.stations) + 1;
const p = await startPipeline({ stations: total, ingest: ingestMode, durable });
const probe = p.registry.stations[total - 1]!.id;
try {
  const steady = await phase(p, steadyCfg, probe);
  const max = await phase(p, maxCfg, probe);
  const raw = await ceiling(p, max.persisted || max.published, maxCfg.stations);
  const result = {
    bench: 'ingest',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    ingest: ingestMode,
    durability: durable ? 'on: broker session journal, ingest write-ahead log' : 'off: broker sessions in memory, ingest log never fsynced',
    ingestWalFsync: durable ? (process.env.INGEST_WAL_FSYNC ?? 'interval') : 'never',
    steady,
    max,
    ceiling: raw,
    pipelineToCeiling: Math.round((max.msgsPerSecSustained / raw.pointsPerSec) * 1000) / 1000,
    targets: {
      steadyZeroLoss: steady.lost === 0,
      steadyP99Under1s: steady.publishToPersistedMs.p99 < 1000,
      steadyCpuUnder10Percent: steady.cpuPercentOfOneCore.brokerPlusIngest < 10,
      sustained12kZeroLoss: max.msgsPerSecSustained >= 12_000 && max.lost === 0,
    },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await p.close();
}
