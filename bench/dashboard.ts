// Dashboard fan-out and REST latency: 600 live stations, 500 Socket.IO clients.
//   npx tsx bench/dashboard.ts [--sockets 500] [--seconds 30] [--rate 100]
// Prints one JSON object. Event fan-out latency = arrival at a client − the time the telemetry
// (or alert transition) entered the dashboard; clients run in this process, so the clocks agree.
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import type { Telemetry } from '../domain/telemetry.js';
import { startHarness } from '../test/dashboard/helpers/dashboard-harness.js';
import { MemoryAlerting } from '../test/dashboard/helpers/memory-alerting.js';

const { values } = parseArgs({ options: { sockets: { type: 'string', default: '500' }, seconds: { type: 'string', default: '30' }, rate: { type: 'string', default: '100' } } });
const SOCKETS = Number(values.sockets);
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate); // telemetry messages per second across the fleet

const alerting = new MemoryAlerting();
const h = await startHarness({ alerting, influx: { query: async () => [] }, env: { DASHBOARD_TELEMETRY_THROTTLE_MS: '1000', DASHBOARD_LOGIN_LIMIT: '1000' } });
const stations = h.registry.stations;
for (const s of stations) {
  alerting.snapshots.push({ stationId: s.id, district: s.district, today: 0.95, last30Days: 0.97, yearToDate: 0.96, failingOpenAllYear: false, facility: { percent: 100, missing: [], faulted: [], notReporting: [], unattested: [] } });
}
const t0 = Date.now();
for (const s of stations) h.feed.push({ channel: 'status', stationId: s.id, ts: t0, data: { station: s.id, ts: t0, online: true, reason: 'boot', wifiRssiDbm: -55 } });

// A wall-screen mix: a quarter city staff, the rest maintainers of SN and SB.
const tokens = { admin: await h.login('admin'), viewer: await h.login('viewer'), sn: await h.login('maint-sn'), sb: await h.login('maint-sb') };
const pool = [tokens.admin, tokens.viewer, tokens.sn, tokens.sb, tokens.sn, tokens.sb, tokens.sn, tokens.sb];
const stationLatency: number[] = [];
const alertLatency: number[] = [];
const clients: Socket[] = [];
await Promise.all(
  Array.from({ length: SOCKETS }, (_, i) => {
    const socket = io(h.api.url, { auth: { token: pool[i % pool.length] }, transports: ['websocket'], forceNew: true, reconnection: false });
    clients.push(socket);
    socket.on('station', (e: { at: number }) => stationLatency.push(Date.now() - e.at));
    socket.on('alert', (e: { at: number }) => alertLatency.push(Date.now() - e.at));
    return new Promise<void>((resolve, reject) => {
      socket.once('snapshot', () => resolve());
      socket.once('connect_error', reject);
    });
  }),
);

// Load: RATE telemetry messages/s over the fleet (door/open flips and occupancy changes), one alert transition per second.
let seq = 0;
const load = setInterval(() => {
  const now = Date.now();
  for (let k = 0; k < RATE / 10; k++) {
    const s = stations[seq++ % stations.length]!;
    const m: Telemetry =
      seq % 2
        ? { channel: 'service', stationId: s.id, ts: now, data: { station: s.id, ts: now, open: seq % 4 === 1, door: 'open' } }
        : { channel: 'occupancy', stationId: s.id, ts: now, data: { station: s.id, ts: now, people: seq % 9, entries: 1 } };
    h.feed.push(m);
  }
}, 100);
let alerts = 0;
const alertTimer = setInterval(() => {
  const s = stations[(alerts * 37) % stations.length]!;
  alerts++;
  alerting.fire({ ruleId: `bench_${alerts}`, stationId: s.id, district: s.district, severity: 'minor', summaryZh: '压测', summaryEn: 'bench', firstSeen: Date.now() });
}, 1000);

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
clearInterval(load);
clearInterval(alertTimer);
await new Promise((r) => setTimeout(r, 500));

const q = (xs: number[], p: number): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
};
const result = {
  bench: 'dashboard',
  stations: stations.length,
  sockets: SOCKETS,
  seconds: SECONDS,
  telemetryPerSecond: RATE,
  stationEventDeliveries: stationLatency.length,
  alertDeliveries: alertLatency.length,
  fanoutMs: { p50: q(stationLatency, 50), p99: q(stationLatency, 99), max: q(stationLatency, 100) },
  alertFanoutMs: { p50: q(alertLatency, 50), p99: q(alertLatency, 99) },
  fleetSummaryMs: { requests: summaryMs.length, p50: q(summaryMs, 50), p99: q(summaryMs, 99) },
  targets: { fanoutP99Ms: 200, fleetSummaryP99Ms: 20 },
  rssMb: Math.round(process.memoryUsage().rss / 1e6),
};
for (const c of clients) c.close();
await h.close();
console.log(JSON.stringify(result));
process.exit(0);
