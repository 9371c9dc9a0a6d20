// bench/cluster: many concurrent stations over several broker nodes on this machine — each station sends a
// heartbeat a minute plus its changes (QoS 1, own credentials), everything persisted in InfluxDB through the
// ingest. Starts its own processes (influxd, redis-server, the broker nodes, the ingest workers, the loaders)
// and stops them on exit, failure or Ctrl-C. Prints one JSON object.
//
//   npm run bench:cluster -- --stations 60000 --brokers 4 --minutes 2
//   npm run bench:cluster -- --independent        (nodes that share nothing, an ingest per node: the baseline)
//   npm run bench:cluster -- --ingest embedded    (each node writes what its own clients publish: BROKER_INGEST=embedded)
//
// One process may hold at most 20,000 open files here (ulimit -n): the stations are spread over several
// loader processes, each on its own loopback source addresses (127.0.0.x), and over the broker processes.
// Accounts for the cloned fleet (one scrypt hash each, minutes for 60,000) are generated once and kept in
// var/bench-cluster/<stations>/ for the next run.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError } from 'commander';
import { ensureDevCredentials } from '../broker/credentials.js';
import { connectInflux } from '../lib/influx/client.js';
import { freePort, startPrivateInfluxd } from '../lib/influx/private-influxd.js';
import { startPrivateRedis } from '../lib/private-redis.js';
import { hashPassword, TOKEN_SCRYPT_PARAMS, verifyPassword } from '../lib/password-hash.js';
import { projectPath } from '../lib/paths.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { StartedParts } from '../lib/service-runner.js';
import { writeClonedRegistry } from '../device-sim/clone.js';
import { startLoaders, type LoaderGroup } from './lib/loaders.js';
import { persistedLoadPoints } from './lib/persisted.js';
import { benchLogger } from './lib/pipeline.js';
import { percentile, startProbe } from './lib/probe.js';
import { cpuPercent, pidOf, sample, scrape, startTs, stopChild, waitForPort, type ProcSample } from './lib/proc.js';
import { commandsBetween, redisInfo } from './lib/redis-info.js';

const positive = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
};
const opts = new Command('bench:cluster')
  .description('concurrent stations over several broker nodes, all persisted; prints JSON')
  .option('--stations <n>', 'simulated stations (each its own connection and account)', positive, 60_000)
  .option('--brokers <n>', 'broker node processes', positive, 4)
  .option('--loaders <n>', 'load generator processes (default: one per 15,000 stations)', positive)
  .option('--addresses-per-loader <n>', 'loopback source addresses per loader', positive, 2)
  .option('--ingest-workers <n>', 'ingest processes (default: one per broker node with --independent, else one for the whole fleet)', positive)
  .option('--minutes <n>', 'publishing window once every station is connected', positive, 2)
  .option('--changes <n>', 'change reports per station per minute besides its heartbeat', (v) => (v === '0' ? 0 : positive(v)), 1)
  .option('--connect-timeout <s>', 'give up connecting after this many seconds (then report what held)', positive, 900)
  .option('--independent', 'broker nodes that share nothing (no Redis), an ingest per node: the baseline before the cluster')
  .option('--ingest <where>', 'separate: ingest worker processes subscribed through the cluster; embedded: inside each broker node', 'separate')
  .parse()
  .opts<{
    stations: number;
    brokers: number;
    loaders?: number;
    addressesPerLoader: number;
    ingestWorkers?: number;
    minutes: number;
    changes: number;
    connectTimeout: number;
    independent?: boolean;
    ingest: string;
  }>();
if (opts.ingest !== 'separate' && opts.ingest !== 'embedded') throw new Error('--ingest is separate or embedded');
const embedded = opts.ingest === 'embedded';
const loaderCount = opts.loaders ?? Math.ceil(opts.stations / 15_000);
// In the cluster each ingest worker k of K has its share of the stations (INGEST_PARTITION k/K), its persistent
// session svc-ingest-<k>of<K> seeded on every node, and collects from every node through Redis. A share is spelled
// out as 11 exact topics per station (domain/partition.ts): at 60,000 stations two workers are 660,000 subscriptions,
// more than the nodes finished subscribing in two minutes, so by default one worker takes the whole fleet through
// the five wildcard subscriptions (its session svc-ingest).
const ingestCount = embedded ? 0 : opts.independent ? opts.brokers : (opts.ingestWorkers ?? 1);
const partitionSessions = ingestCount === 1 ? ['svc-ingest'] : Array.from({ length: ingestCount }, (_, i) => `svc-ingest-${i + 1}of${ingestCount}`);
if (opts.independent && opts.ingestWorkers !== undefined && opts.ingestWorkers !== opts.brokers)
  throw new Error('--independent runs one ingest per broker node: leave --ingest-workers out');
if (embedded && opts.ingestWorkers !== undefined) throw new Error('--ingest embedded runs no ingest workers: leave --ingest-workers out');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const uptime = () => loadavg().map((x) => round(x, 2));

const parts = new StartedParts();
let closing = false;
const shutdown = async (code: number) => {
  if (closing) return;
  closing = true;
  await parts.close().catch((err) => benchLogger.error({ err }, 'cleanup failed'));
  process.exit(code);
};
for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => void shutdown(130));

/** A child service in its own process, stopped at the end; its log in the run's directory. */
const service = (script: string, env: Record<string, string>, log: string): ChildProcess =>
  parts.add(startTs(script, { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...env }, false, log), (c) => stopChild(c));

async function main() {
  const loadAtStart = uptime();
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-bench-cluster-'));
  parts.add(dir, async (d) => void (process.env.BENCH_KEEP === '1' || rmSync(d, { recursive: true, force: true })));

  // The fleet: the load stations, then one probe station per broker node.
  const cache = projectPath('var/bench-cluster', String(opts.stations + opts.brokers));
  mkdirSync(cache, { recursive: true });
  const registryFile = join(cache, 'stations.json');
  const registry = writeClonedRegistry(loadRegistryFile(), opts.stations + opts.brokers, registryFile);
  const paths = { accountsFile: join(cache, 'broker-accounts.json'), devCredentialsFile: join(cache, 'dev-credentials.json') };
  const t0 = performance.now();
  const { credentials, generated } = await ensureDevCredentials(registry, paths, benchLogger);
  const accountsSeconds = round((performance.now() - t0) / 1000);
  const probes = registry.stations.slice(opts.stations).map((s) => s.id);

  // What one cold login costs a broker: scrypt of a station token, serially in this process.
  const hash = await hashPassword('x'.repeat(32), TOKEN_SCRYPT_PARAMS);
  const v0 = performance.now();
  for (let i = 0; i < 100; i++) await verifyPassword('x'.repeat(32), hash);
  const scryptMs = round((performance.now() - v0) / 100, 2);

  const influxd = parts.add(await startPrivateInfluxd({ logger: benchLogger }), (x) => x.stop());
  const influx = parts.add(await connectInflux({ url: influxd.url, database: 'bench' }, benchLogger), (x) => x.close());
  const redis = opts.independent ? null : parts.add(await startPrivateRedis({ dir: join(dir, 'redis') }), (r) => r.stop());

  const common = { REGISTRY_FILE: registryFile, DEV_CREDENTIALS_FILE: paths.devCredentialsFile };
  const brokers = await Promise.all(
    Array.from({ length: opts.brokers }, async (_, i) => {
      const [port, metricsPort] = [await freePort(), await freePort()];
      const child = service(
        'broker/main.ts',
        {
          ...common,
          BROKER_ACCOUNTS_FILE: paths.accountsFile,
          BROKER_DEV_CREDENTIALS: 'false',
          BROKER_DATA_DIR: join(dir, `broker-${i}`),
          MQTT_PORT: String(port),
          MQTT_WS_PORT: '0',
          BROKER_METRICS_PORT: String(metricsPort),
          ...(redis ? { BROKER_REDIS_URL: redis.url, BROKER_SEEDED_SESSIONS: embedded ? 'none' : partitionSessions.join(',') } : {}),
          ...(embedded ? { BROKER_INGEST: 'embedded', INFLUX_URL: influxd.url, INFLUX_DATABASE: 'bench', INGEST_SPOOL_DIR: join(dir, `spool-node-${i}`) } : {}),
        },
        join(dir, `broker-${i}.log`),
      );
      return { node: i, child, url: `mqtt://127.0.0.1:${port}`, port, metricsPort };
    }),
  );
  await Promise.all(brokers.map((b) => waitForPort(b.port, 300_000)));

  const ingests = await Promise.all(
    Array.from({ length: ingestCount }, async (_, i) => {
      const metricsPort = await freePort();
      const child = service(
        'ingest/main.ts',
        {
          ...common,
          MQTT_URL: brokers[i % brokers.length]!.url,
          INFLUX_URL: influxd.url,
          INFLUX_DATABASE: 'bench',
          INGEST_SPOOL_DIR: join(dir, `spool-${i}`),
          INGEST_METRICS_PORT: String(metricsPort),
          ...(redis ? { INGEST_PARTITION: `${i + 1}/${ingestCount}` } : {}),
        },
        join(dir, `ingest-${i}.log`),
      );
      return { worker: i, child, metricsPort };
    }),
  );
  await Promise.all(ingests.map((w) => waitForPort(w.metricsPort, 120_000)));

  const pids: Record<string, number> = {
    ...Object.fromEntries(brokers.map((b) => [`broker-${b.node}`, b.child.pid!])),
    ...Object.fromEntries(ingests.map((w) => [`ingest-${w.worker}`, w.child.pid!])),
    influxd: pidOf(influxd.dataDir),
    ...(redis ? { redis: redis.child.pid! } : {}),
  };
  const sampleAll = (extra: Record<string, number> = {}) =>
    Object.fromEntries(Object.entries({ ...pids, ...extra }).map(([k, pid]) => [k, sample(pid)])) as Record<string, ProcSample>;
  const cpuOf = (a: Record<string, ProcSample>, b: Record<string, ProcSample>, seconds: number) =>
    Object.fromEntries(Object.keys(b).map((k) => [k, cpuPercent(a[k]!, b[k]!, seconds)]));
  await sleep(2000);
  const idle = sampleAll();

  // Connect every station: the storm, cold (every node checks each password once with scrypt).
  const loaders: LoaderGroup = startLoaders({
    processes: loaderCount,
    from: 0,
    to: opts.stations,
    rate: (opts.changes + 1) / 60,
    stagger: true,
    changesPerHeartbeat: opts.changes,
    registryFile,
    credentialsFile: paths.devCredentialsFile,
    brokerUrl: brokers.map((b) => b.url),
    addressesPerLoader: opts.addressesPerLoader,
  });
  parts.add(loaders, (l) => Promise.all(l.children.map((c) => stopChild(c))).then(() => undefined));
  const loaderPids = () => Object.fromEntries(loaders.children.map((c, i) => [`loader-${i}`, c.pid!]));
  const connectStart = performance.now();
  const beforeConnect = sampleAll(loaderPids());
  const allConnected = await Promise.race([loaders.ready.then(() => true), sleep(opts.connectTimeout * 1000).then(() => false)]);
  const connectSeconds = (performance.now() - connectStart) / 1000;
  const afterConnect = sampleAll(loaderPids());
  const connected = loaders.connected();
  const brokerClients = await Promise.all(brokers.map((b) => scrape(b.metricsPort, ['broker_clients_connected'])));
  await sleep(5000);
  const holding = sampleAll(loaderPids());

  // The publishing window: heartbeats and changes, staggered over the minute, and a probe per node.
  const redisBefore = redis ? await redisInfo(redis.url) : null;
  const windowStart = Date.now();
  const probeRuns = await Promise.all(
    brokers.map((b, i) => startProbe({ brokerUrl: b.url, station: probes[i]!, password: credentials[probes[i]!], influx, intervalMs: 500 })),
  );
  loaders.start();
  const windowBefore = sampleAll(loaderPids());
  await sleep(opts.minutes * 60_000);
  const windowS = (Date.now() - windowStart) / 1000;
  const windowAfter = sampleAll(loaderPids());
  const redisAfter = redis ? await redisInfo(redis.url) : null;
  const stats = await loaders.stop();
  const stopped = Date.now();

  // Drain: until every acknowledged message is a point, or no progress for 20 s.
  const acknowledged = stats.reduce((a, s) => a + s.acknowledged, 0);
  let persisted = 0;
  let lastChange = Date.now();
  while (persisted < acknowledged && Date.now() - lastChange < 20_000) {
    await sleep(1000);
    const c = await persistedLoadPoints(influx, windowStart, probes);
    if (c !== persisted) [persisted, lastChange] = [c, Date.now()];
  }
  const drainSeconds = round((lastChange - stopped) / 1000);
  const probeResults = await Promise.all(probeRuns.map((p) => p.stop()));
  const pooled = probeResults.flatMap((p) => p.latencies).sort((a, b) => a - b);
  // Embedded, each node's /metrics has its ingest's figures.
  const ingestPorts = embedded ? brokers.map((b) => b.metricsPort) : ingests.map((w) => w.metricsPort);
  const ingestMetrics = await Promise.all(ingestPorts.map((port) => scrape(port, ['ingest_points_written_total', 'telemetry_messages_rejected_total'])));
  const brokerMetrics = await Promise.all(brokers.map((b) => scrape(b.metricsPort, ['broker_messages_in_total', 'broker_refusals_total'])));

  const connectCpu = cpuOf(beforeConnect, afterConnect, connectSeconds);
  const windowCpu = cpuOf(windowBefore, windowAfter, windowS);
  const sent = stats.reduce((a, s) => a + s.sent, 0);
  const brokerConnectCpuS = brokers.reduce((s, b) => s + afterConnect[`broker-${b.node}`]!.cpuS - beforeConnect[`broker-${b.node}`]!.cpuS, 0);
  const result = {
    bench: 'cluster',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, openFilesPerProcess: 20_000, loadAverageAtStart: loadAtStart, loadAverageAtEnd: uptime() },
    configuration: {
      mode: opts.independent ? 'independent nodes (no Redis), an ingest per node' : 'cluster on Redis',
      ingest: embedded ? 'embedded in each broker node' : 'separate worker processes',
      stations: opts.stations,
      brokerNodes: opts.brokers,
      ingestWorkers: ingestCount,
      loaderProcesses: loaderCount,
      sourceAddresses: loaderCount * opts.addressesPerLoader,
      heartbeatsPerMinute: 1,
      changesPerMinute: opts.changes,
      offeredMsgsPerSec: round((opts.stations * (opts.changes + 1)) / 60, 0),
      windowSeconds: round(windowS, 0),
    },
    accounts: { generated: generated.length, seconds: accountsSeconds, scryptVerifyMs: scryptMs },
    connect: {
      target: opts.stations,
      connected,
      allConnected,
      seconds: round(connectSeconds),
      perSec: Math.round(connected / connectSeconds),
      perNode: brokerClients.map((m) => m.broker_clients_connected),
      refused: stats.reduce((a, s) => a + s.refused, 0),
      brokerCpuSeconds: round(brokerConnectCpuS),
      brokerCpuMsPerConnect: round((brokerConnectCpuS * 1000) / Math.max(1, connected), 2),
      cpuPercentOfOneCore: connectCpu,
    },
    rssMb: {
      idle: Object.fromEntries(Object.entries(idle).map(([k, s]) => [k, s.rssMb])),
      holding: Object.fromEntries(Object.entries(holding).map(([k, s]) => [k, s.rssMb])),
      peak: Object.fromEntries(Object.entries(windowAfter).map(([k, s]) => [k, s.peakRssMb])),
    },
    publishing: {
      sent,
      acknowledged,
      failed: stats.reduce((a, s) => a + s.failed, 0),
      persisted,
      lost: acknowledged - persisted,
      msgsPerSec: round(sent / windowS, 0),
      drainSeconds,
      publishToAckMs: { p99WorstLoader: Math.max(...stats.map((s) => s.latencyMs.p99)) },
      publishToPersistedMs: {
        probes: pooled.length,
        unresolved: probeResults.reduce((a, p) => a + p.unresolved, 0),
        p50: percentile(pooled, 50),
        p99: percentile(pooled, 99),
        max: pooled.at(-1) ?? 0,
        p99PerNode: probeResults.map((p) => p.p99),
      },
      cpuPercentOfOneCore: windowCpu,
      cpuPercentTotal: round(Object.values(windowCpu).reduce((a, b) => a + b, 0)),
      brokerMessagesIn: brokerMetrics.map((m) => m.broker_messages_in_total),
      brokerRefusals: brokerMetrics.reduce((a, m) => a + (m.broker_refusals_total ?? 0), 0),
      ingestPointsWritten: ingestMetrics.map((m) => m.ingest_points_written_total),
      ingestRejected: ingestMetrics.reduce((a, m) => a + (m.telemetry_messages_rejected_total ?? 0), 0),
    },
    redis:
      redisBefore && redisAfter
        ? {
            opsPerSec: round((Number(redisAfter.total_commands_processed) - Number(redisBefore.total_commands_processed)) / windowS, 0),
            instantaneousOpsPerSec: redisAfter.instantaneous_ops_per_sec,
            commands: commandsBetween(redisBefore, redisAfter, windowS).slice(0, 12),
            cpuPercentOfOneCore: round(
              ((Number(redisAfter.used_cpu_user) + Number(redisAfter.used_cpu_sys) - Number(redisBefore.used_cpu_user) - Number(redisBefore.used_cpu_sys)) /
                windowS) *
                100,
            ),
            usedMemoryMb: round(Number(redisAfter.used_memory) / 1048576),
            peakMemoryMb: round(Number(redisAfter.used_memory_peak) / 1048576),
            connectedClients: redisAfter.connected_clients,
            netInputKbPerSec: redisAfter.instantaneous_input_kbps,
            netOutputKbPerSec: redisAfter.instantaneous_output_kbps,
            keyspace: (await redisInfo(redis!.url, ['keyspace'])).db0 ?? null,
          }
        : null,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().then(
  () => shutdown(0),
  (err) => {
    benchLogger.error({ err }, 'bench:cluster failed');
    void shutdown(1);
  },
);
