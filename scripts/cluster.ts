// npm run cluster: the scaled-out platform on one machine — a private redis-server (AOF), influxd and
// PostgreSQL, N broker nodes sharing Redis, HAProxy in front of them, K ingest workers each taking a share of
// the fleet, the simulator pointed at HAProxy, and M dashboard nodes (one alerting leader) behind their own
// HAProxy. Data in var/cluster/; Ctrl-C stops everything (the services cleanly, in reverse).
//
//   CLUSTER_BROKERS=3 CLUSTER_INGESTS=2 CLUSTER_DASHBOARDS=2 CLUSTER_MQTT_PORT=1883 CLUSTER_DASHBOARD_PORT=8080 \
//   CLUSTER_STATIONS=600 npm run cluster
//   CLUSTER_INGESTS=0: no ingest workers; each broker node writes what its own clients publish (BROKER_INGEST=embedded)
//
// The processes are one list (`services` below): a further kind of node is one more entry.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDevCredentials } from '../broker/credentials.js';
import { freePort, startPrivateInfluxd } from '../lib/influx/private-influxd.js';
import { startHaproxy } from '../lib/haproxy.js';
import { projectPath } from '../lib/paths.js';
import { startPrivateRedis } from '../lib/private-redis.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { createLogger } from '../lib/logger.js';
import { CLUSTER_DEV_JWT_SECRET, startDashboardTier, tierDatabase } from './dashboard-tier.js';

const count = (name: string, fallback: number) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got ${process.env[name]}`);
  return n;
};
const brokers = Math.max(1, count('CLUSTER_BROKERS', 3));
const ingests = count('CLUSTER_INGESTS', 2);
const mqttPort = count('CLUSTER_MQTT_PORT', 1883);
const dashboards = count('CLUSTER_DASHBOARDS', 2);
const dashboardPort = count('CLUSTER_DASHBOARD_PORT', 8080);
const stations = count('CLUSTER_STATIONS', 600);
const dir = projectPath('var/cluster');
mkdirSync(dir, { recursive: true });

interface Service {
  name: string;
  script: string;
  env: Record<string, string>;
  args?: string[];
  /** Printed when it runs. */
  shows?: string;
}

const running: Array<{ name: string; child: ChildProcess }> = [];
const stops: Array<() => Promise<unknown>> = [];

/** One service of this project as its own node process (through tsx), its JSON log lines in var/cluster/<name>.log. */
function start(service: Service): void {
  const log = openSync(join(dir, `${service.name}.log`), 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', projectPath(service.script), ...(service.args ?? [])], {
    cwd: projectPath(),
    env: { ...process.env, LOG_LEVEL: 'info', ...service.env },
    stdio: ['ignore', log, log],
  });
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`${service.name} exited (${signal ?? code}); see ${join(dir, `${service.name}.log`)}`);
  });
  running.push({ name: service.name, child });
}

let stopping = false;
async function stopAll(): Promise<void> {
  stopping = true;
  for (const { child } of running.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    // Ctrl-C reaches the whole process group, redis-server too: a node whose Redis is already gone may not
    // finish its clean stop, and must not keep the engines below from being stopped.
    const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(forced);
  }
  for (const stop of stops.reverse()) await stop();
}

const redis = await startPrivateRedis({ dir: join(dir, 'redis'), port: count('CLUSTER_REDIS_PORT', 6390) });
stops.push(redis.stop);
const influxd = await startPrivateInfluxd({ dataDir: join(dir, 'influxdb'), port: count('CLUSTER_INFLUXD_PORT', 8187) });
stops.push(influxd.stop);

const registryFile = projectPath(process.env.REGISTRY_FILE ?? 'data/stations.json');
const accountsFile = join(dir, 'broker-accounts.json');
const devCredentialsFile = join(dir, 'dev-credentials.json');
await ensureDevCredentials(loadRegistryFile(registryFile), { accountsFile, devCredentialsFile });
const shared = { REGISTRY_FILE: registryFile, DEV_CREDENTIALS_FILE: devCredentialsFile };
const partitions = Array.from({ length: ingests }, (_, i) => `${i + 1}/${ingests}`);
const nodes = await Promise.all(
  Array.from({ length: brokers }, async (_, i) => ({ name: `broker-${i + 1}`, port: await freePort(), metricsPort: await freePort() })),
);
const haproxyUrl = `mqtt://127.0.0.1:${mqttPort}`;

const services: Service[] = [
  ...nodes.map((n) => ({
    name: n.name,
    script: 'broker/main.ts',
    env: {
      ...shared,
      BROKER_ACCOUNTS_FILE: accountsFile,
      BROKER_REDIS_URL: redis.url,
      ...(ingests === 0
        ? { BROKER_INGEST: 'embedded', INFLUX_URL: influxd.url, INGEST_SPOOL_DIR: join(dir, `${n.name}-wal`) }
        : { BROKER_SEEDED_SESSIONS: partitions.map((p) => `svc-ingest-${p.replace('/', 'of')}`).join(',') }),
      MQTT_PORT: String(n.port),
      MQTT_WS_PORT: '0',
      BROKER_METRICS_PORT: String(n.metricsPort),
    },
    shows: `MQTT 127.0.0.1:${n.port}, /metrics :${n.metricsPort}`,
  })),
  ...(await Promise.all(
    partitions.map(async (partition, i) => {
      const metricsPort = await freePort();
      return {
        name: `ingest-${i + 1}`,
        script: 'ingest/main.ts',
        env: {
          ...shared,
          MQTT_URL: haproxyUrl,
          INFLUX_URL: influxd.url,
          INGEST_PARTITION: partition,
          INGEST_SPOOL_DIR: join(dir, `ingest-${i + 1}`),
          INGEST_METRICS_PORT: String(metricsPort),
        },
        shows: `partition ${partition}, /metrics :${metricsPort}`,
      };
    }),
  )),
];
const simulator: Service = {
  name: 'simulator',
  script: 'device-sim/main.ts',
  env: { ...shared, MQTT_URL: haproxyUrl },
  args: ['--stations', String(stations), '--no-progress'],
  shows: `${stations} stations through HAProxy`,
};

process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));

for (const service of services.filter((s) => s.script === 'broker/main.ts')) start(service);
// The nodes take a few seconds (accounts, Redis); the ingest workers connect once they listen.
for (const n of nodes) {
  while (
    !(await fetch(`http://127.0.0.1:${n.metricsPort}/metrics`).then(
      (r) => r.ok,
      () => false,
    ))
  )
    await new Promise((r) => setTimeout(r, 250));
}
const haproxy = await startHaproxy({
  bind: { host: '127.0.0.1', port: mqttPort },
  brokers: nodes.map((n) => ({ name: n.name, host: '127.0.0.1', port: n.port, checkPort: n.metricsPort })),
});
stops.push(haproxy.stop);
for (const service of services.filter((s) => s.script !== 'broker/main.ts')) start(service);
if (stations > 0) {
  services.push(simulator);
  start(simulator);
}

let dashboardUrl = '';
if (dashboards > 0) {
  const dashboardLogs: Record<string, number> = {};
  const database = await tierDatabase(join(dir, 'postgres'), createLogger('cluster', 'warn'));
  stops.push(database.stop);
  const tier = await startDashboardTier({
    nodes: dashboards,
    port: dashboardPort,
    redisUrl: redis.url,
    databaseUrl: database.url,
    env: { ...process.env, ...shared, MQTT_URL: haproxyUrl, INFLUX_URL: influxd.url, DASHBOARD_JWT_SECRET: CLUSTER_DEV_JWT_SECRET, LOG_LEVEL: 'info' },
    nodeEnv: (id) => ({ ALERTING_SPOOL_DIR: join(dir, id, 'spool'), ALERTING_REPORTS_DIR: join(dir, id, 'reports') }),
    command: [process.execPath, '--import', 'tsx', projectPath('dashboard-api/main.ts')],
    // Each node's JSON log lines in var/cluster/<id>.log, like every other service here.
    onLine: (id, line) => writeSync((dashboardLogs[id] ??= openSync(join(dir, `${id}.log`), 'a')), `${line}\n`),
  });
  // Before the other services: stopAll runs these in reverse, so the dashboards stop before Redis and PostgreSQL.
  stops.push(() => tier.close());
  dashboardUrl = `${tier.url} → ${tier.nodes.length} dashboard nodes (${tier.nodes.map((n) => n.id).join(', ')})`;
}

console.log(`cluster running (logs and data in ${dir}; Ctrl-C stops it)`);
console.log(`  redis-server     ${redis.url} (appendonly, appendfsync everysec)`);
console.log(`  influxd          ${influxd.url}`);
console.log(`  haproxy          ${haproxyUrl} → ${nodes.length} broker nodes`);
for (const s of services) console.log(`  ${s.name.padEnd(16)} ${s.shows ?? ''}`);
if (dashboardUrl) console.log(`  dashboards       ${dashboardUrl}`);
