// Dashboard fan-out and REST latency: 600 live stations, 500 Socket.IO clients.
//   npx tsx bench/dashboard.ts [--sockets 500] [--seconds 30] [--rate 100]
// Prints one JSON object. The server side is real: the alerting service (rules every 5 s, its
// InfluxDB store on a private influxd) and the dashboard; telemetry is pushed into the live
// state as the telemetry consumer would. Fan-out latency = arrival at a client − the time the
// telemetry or alert transition entered the dashboard. The clients run in a child process (their
// own event loop, the same machine clock), so they do not queue behind the server they measure.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Registry as Metrics } from 'prom-client';
import { io, type Socket } from 'socket.io-client';
import { createInfluxStore } from '../alerting/influx-store.js';
import { parseNotificationConfig } from '../alerting/notification-config.js';
import { createNotifier } from '../alerting/notifier.js';
import { loadRulesFile } from '../alerting/rules-file.js';
import { manualRecords } from '../alerting/manual-records.js';
import { createAlertingService } from '../alerting/service.js';
import type { Telemetry } from '../domain/telemetry.js';
import { openDatabase } from '../lib/db/database.js';
import { connectInflux } from '../lib/influx/client.js';
import { startPrivateInfluxd } from '../lib/influx/private-influxd.js';
import { createLogger } from '../lib/logger.js';
import { projectPath } from '../lib/paths.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { startHarness, TestFeed } from '../test/dashboard/helpers/dashboard-harness.js';

interface ClientJob {
  url: string;
  tokens: string[];
  sockets: number;
}

/** Client process: opens the sockets, records latencies until told to stop, then sends them back. */
async function runClients({ url, tokens, sockets }: ClientJob): Promise<void> {
  const station: number[] = [];
  const alert: number[] = [];
  const clients: Socket[] = [];
  await Promise.all(
    Array.from({ length: sockets }, (_, i) => {
      const socket = io(url, { auth: { token: tokens[i % tokens.length] }, transports: ['websocket'], forceNew: true, reconnection: false });
      clients.push(socket);
      socket.on('stations', (batch: Array<{ at: number }>) => {
        const now = Date.now();
        for (const e of batch) station.push(now - e.at);
      });
      socket.on('alert', (e: { at: number }) => alert.push(Date.now() - e.at));
      return new Promise<void>((resolve, reject) => {
        socket.once('snapshot', () => resolve());
        socket.once('connect_error', reject);
      });
    }),
  );
  process.send!({ ready: true });
  process.once('message', () => {
    for (const c of clients) c.close();
    process.send!({ station, alert }, () => process.exit(0));
  });
}

const quantile = (xs: number[], p: number): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
};

async function runBench(): Promise<void> {
  const { values } = parseArgs({
    options: { sockets: { type: 'string', default: '500' }, seconds: { type: 'string', default: '30' }, rate: { type: 'string', default: '100' } },
  });
  const SOCKETS = Number(values.sockets);
  const SECONDS = Number(values.seconds);
  const RATE = Number(values.rate); // telemetry messages per second across the fleet

  const logger = createLogger('bench-dashboard', 'silent');
  const spool = mkdtempSync(join(tmpdir(), 'bench-dashboard-'));
  const influxd = await startPrivateInfluxd({ logger });
  const influx = await connectInflux({ url: influxd.url, database: 'bench' }, logger);
  await influx.ensureDatabase();
  const registry = loadRegistryFile();
  const stations = registry.stations;
  const feed = new TestFeed(registry);
  const metrics = new Metrics();
  const rules = loadRulesFile(projectPath('config/rules.json'));
  const records = await openDatabase('sqlite::memory:', logger);
  const alerting = await createAlertingService({
    registry,
    rules,
    store: createInfluxStore({ influx, logger, spoolDir: spool }),
    records: manualRecords(records.db),
    notifier: createNotifier({ config: parseNotificationConfig({ version: 1 }), groupWaitMs: rules.groupWaitS * 1000, logger, metrics }),
    states: feed.states,
    logger,
    metrics,
  });
  feed.on('telemetry', (m: Telemetry) => alerting.handleTelemetry(m));
  alerting.start();
  const h = await startHarness({
    alerting,
    influx,
    registry,
    live: feed,
    env: { DASHBOARD_TELEMETRY_THROTTLE_MS: '1000', DASHBOARD_LOGIN_LIMIT: '1000', DASHBOARD_COMPLIANCE_TTL_MS: '5000' },
  });
  const t0 = Date.now();
  for (const s of stations)
    feed.push({ channel: 'status', stationId: s.id, ts: t0, data: { station: s.id, ts: t0, online: true, reason: 'boot', uptimeS: 1, wifiRssiDbm: -55 } });

  // A wall-screen mix: a quarter city staff, the rest maintainers of SN and SB.
  const tokens = { admin: await h.login('admin'), viewer: await h.login('viewer'), sn: await h.login('maint-sn'), sb: await h.login('maint-sb') };
  const job: ClientJob = {
    url: h.api.url,
    tokens: [tokens.admin, tokens.viewer, tokens.sn, tokens.sb, tokens.sn, tokens.sb, tokens.sn, tokens.sb],
    sockets: SOCKETS,
  };
  const clients = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_CLIENT_JOB: JSON.stringify(job) } });
  const next = (): Promise<unknown> => new Promise((resolve, reject) => (clients.once('message', resolve), clients.once('error', reject)));
  await next();

  // Load: RATE messages/s over the fleet (heartbeats, open/closed flips, occupancy), and every
  // second a microwave fault on one station (appliance_fault fires at once) that clears later.
  let seq = 0;
  const load = setInterval(() => {
    const now = Date.now();
    for (let k = 0; k < RATE / 10; k++) {
      const s = stations[seq++ % stations.length]!;
      const kind = seq % 3;
      const m: Telemetry =
        kind === 0
          ? { channel: 'status', stationId: s.id, ts: now, data: { station: s.id, ts: now, online: true, reason: 'heartbeat', uptimeS: 60, wifiRssiDbm: -55 } }
          : kind === 1
            ? { channel: 'service', stationId: s.id, ts: now, data: { station: s.id, ts: now, open: seq % 4 === 1, door: 'open' } }
            : { channel: 'occupancy', stationId: s.id, ts: now, data: { station: s.id, ts: now, people: seq % 9, entries: 1 } };
      feed.push(m);
    }
  }, 100);
  let faults = 0;
  const faultTimer = setInterval(() => {
    const now = Date.now();
    const s = stations[(faults++ * 37) % stations.length]!;
    feed.push({
      channel: 'appliance',
      stationId: s.id,
      ts: now,
      data: { station: s.id, ts: now, appliance: 'microwave', on: false, powerW: 0, faultCode: 'E3' },
    });
  }, 1000);

  // The server's event loop: what the alerting evaluation, the compliance refresh and the fan-out
  // cost in stalls (any request arriving during one waits for it).
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const tEval = performance.now();
  alerting.evaluate();
  const evaluateMs = performance.now() - tEval;

  // Fleet summary REST latency while the load runs (city view: all 12 districts).
  const summaryMs: number[] = [];
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    const start = performance.now();
    const res = await fetch(`${h.api.url}/api/fleet/summary`, { headers: { authorization: `Bearer ${tokens.admin}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`fleet summary: HTTP ${res.status}`);
    summaryMs.push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 20));
  }
  loopDelay.disable();
  clearInterval(load);
  clearInterval(faultTimer);
  await new Promise((r) => setTimeout(r, 500));
  const results = next();
  clients.send('stop');
  const { station, alert } = (await results) as { station: number[]; alert: number[] };

  const result = {
    bench: 'dashboard',
    stations: stations.length,
    sockets: SOCKETS,
    seconds: SECONDS,
    telemetryPerSecond: RATE,
    stationEventDeliveries: station.length,
    alertDeliveries: alert.length,
    fanoutMs: { p50: quantile(station, 50), p99: quantile(station, 99), max: quantile(station, 100) },
    alertFanoutMs: { p50: quantile(alert, 50), p99: quantile(alert, 99) },
    fleetSummaryMs: { requests: summaryMs.length, p50: quantile(summaryMs, 50), p99: quantile(summaryMs, 99) },
    serverEventLoopDelayMs: {
      p50: Math.round(loopDelay.percentile(50) / 1e4) / 100,
      p99: Math.round(loopDelay.percentile(99) / 1e4) / 100,
      max: Math.round(loopDelay.max / 1e4) / 100,
    },
    alertingEvaluateMs: Math.round(evaluateMs * 10) / 10,
    targets: { fanoutP99Ms: 200, fleetSummaryP99Ms: 20 },
    serverRssMb: Math.round(process.memoryUsage().rss / 1e6),
  };
  await h.close();
  await alerting.close();
  await records.close();
  await influx.close();
  await influxd.stop();
  rmSync(spool, { recursive: true, force: true });
  console.log(JSON.stringify(result));
  process.exit(0);
}

if (process.env.BENCH_CLIENT_JOB) await runClients(JSON.parse(process.env.BENCH_CLIENT_JOB) as ClientJob);
else await runBench();
