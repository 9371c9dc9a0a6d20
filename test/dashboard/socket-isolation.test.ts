import test from 'ava';
import { io, type Socket } from 'socket.io-client';
import { runAt } from '../../dashboard-api/live/long-timeout.js';
import type { Telemetry } from '../../domain/telemetry.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';
import { until } from '../helpers/poll.js';

let h: Harness;
let alerting: MemoryAlerting;
test.before(async () => {
  alerting = new MemoryAlerting();
  alerting.fire({
    ruleId: 'station_offline',
    stationId: 'SB-0003',
    district: 'SB',
    severity: 'major',
    summaryZh: '离线',
    summaryEn: 'offline',
    firstSeen: Date.now(),
  });
  h = await startHarness({ alerting, influx: { query: async () => [] } });
});
test.after.always(() => h?.close());

interface Received {
  socket: Socket;
  events: Array<{ event: string; data: any }>;
  snapshot: Promise<any>;
}

async function connect(token: string | undefined): Promise<Received> {
  const socket = io(h.api.url, { auth: token ? { token } : {}, transports: ['websocket'], forceNew: true, reconnection: false });
  const events: Received['events'] = [];
  // A `stations` batch is recorded as one `station` event per station in it.
  socket.onAny((event, data) =>
    event === 'stations' ? events.push(...(data as unknown[]).map((d) => ({ event: 'station', data: d }))) : events.push({ event, data }),
  );
  const snapshot = new Promise((resolve, reject) => {
    socket.once('snapshot', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, events, snapshot };
}

const service = (stationId: string, open: boolean, ts: number): Telemetry => ({
  channel: 'service',
  stationId,
  ts,
  data: { station: stationId, ts, open, door: open ? 'open' : 'closed' },
});
const occupancy = (stationId: string, people: number, ts: number): Telemetry => ({
  channel: 'occupancy',
  stationId,
  ts,
  data: { station: stationId, ts, people, entries: 1 },
});

test('a handshake without a valid token is refused', async (t) => {
  for (const token of [undefined, 'not-a-real-token-at-all']) {
    const c = await connect(token);
    const err = await t.throwsAsync(c.snapshot);
    t.regex(err!.message, /unauthorized/);
    c.socket.close();
  }
});

test('a maintainer of one district never receives another district’s events', async (t) => {
  const [sn, sb, admin] = await Promise.all([connect(await h.login('maint-sn')), connect(await h.login('maint-sb')), connect(await h.login('admin'))]);
  t.teardown(() => [sn, sb, admin].forEach((c) => c.socket.close()));
  const [snSnap, sbSnap, adminSnap] = await Promise.all([sn.snapshot, sb.snapshot, admin.snapshot]);
  t.true(snSnap.stations.length > 0 && snSnap.stations.every((s: { district: string }) => s.district === 'SN'));
  t.deepEqual(snSnap.alerts, []);
  t.true(sbSnap.alerts.some((a: { key: string }) => a.key === 'SB-0003:station_offline'));
  t.true(sbSnap.alerts.every((a: { district: string }) => a.district === 'SB'));
  t.is(adminSnap.stations.length, 600);

  // A maintainer may watch a station of their own district only.
  t.like(await sn.socket.emitWithAck('subscribe', { stationId: 'SN-0001' }), { ok: true });
  t.like(await sn.socket.emitWithAck('subscribe', { stationId: 'SB-0001' }), { ok: false });
  t.like(await sn.socket.emitWithAck('subscribe', { stationId: "SB-0001' OR 1" }), { ok: false });
  t.like(await admin.socket.emitWithAck('subscribe', { stationId: 'SB-0001' }), { ok: true });

  const now = Date.now();
  for (let i = 0; i < 5; i++) {
    h.feed.push(service('SB-0001', i % 2 === 0, now + i));
    h.feed.push(occupancy('SB-0001', i, now + i));
    h.feed.push(service('SN-0001', i % 2 === 0, now + i));
  }
  alerting.fire({
    ruleId: 'appliance_fault',
    stationId: 'SB-0002',
    district: 'SB',
    severity: 'critical',
    summaryZh: '故障',
    summaryEn: 'fault',
    firstSeen: now,
  });
  alerting.fire({ ruleId: 'appliance_fault', stationId: 'SN-0002', district: 'SN', severity: 'minor', summaryZh: '故障', summaryEn: 'fault', firstSeen: now });
  await alerting.acknowledge('SB-0002:appliance_fault', 'maint-sb', 'on it');

  const has = (c: Received, event: string, station: string): boolean =>
    c.events.some((e) => e.event === event && (e.data.stationId ?? e.data.id ?? e.data.alert?.stationId) === station);
  await until(() => has(admin, 'telemetry', 'SB-0001') && has(sn, 'telemetry', 'SN-0001') && has(sb, 'alert', 'SB-0002') && has(sn, 'alert', 'SN-0002'));
  await new Promise((r) => setTimeout(r, 300)); // one more throttle window for anything late

  const districtOf = (e: { data: any }): string => (e.data.district ?? e.data.alert?.district ?? e.data.stationId?.split('-')[0]) as string;
  const snLive = sn.events.filter((e) => e.event !== 'snapshot');
  const sbLive = sb.events.filter((e) => e.event !== 'snapshot');
  t.true(snLive.length >= 3);
  t.deepEqual([...new Set(snLive.map(districtOf))], ['SN']);
  t.deepEqual([...new Set(sbLive.map(districtOf))], ['SB']);
  // The SB maintainer saw the state changes of SB-0001 and both transitions of its alert.
  t.true(has(sb, 'station', 'SB-0001'));
  t.deepEqual(
    sb.events.filter((e) => e.event === 'alert' && e.data.alert.stationId === 'SB-0002').map((e) => e.data.to),
    ['firing', 'acknowledged'],
  );
  // City staff see both districts.
  t.true(has(admin, 'alert', 'SB-0002') && has(admin, 'alert', 'SN-0002'));
  // Telemetry deltas are coalesced: five SB-0001 bursts within one window make far fewer events.
  t.true(admin.events.filter((e) => e.event === 'telemetry' && e.data.stationId === 'SB-0001').length <= 2);
});

test('a client that reconnects receives a fresh snapshot first', async (t) => {
  const token = await h.login('maint-sb');
  const first = await connect(token);
  const snap1 = await first.snapshot;
  first.socket.close();
  alerting.fire({
    ruleId: 'fridge_warm',
    stationId: 'SB-0004',
    district: 'SB',
    severity: 'minor',
    summaryZh: '冰箱温度高',
    summaryEn: 'fridge warm',
    firstSeen: Date.now(),
  });
  const second = await connect(token);
  t.teardown(() => second.socket.close());
  const snap2 = await second.snapshot;
  t.is(second.events[0]?.event, 'snapshot');
  t.false(snap1.alerts.some((a: { key: string }) => a.key === 'SB-0004:fridge_warm'));
  t.true(snap2.alerts.some((a: { key: string }) => a.key === 'SB-0004:fridge_warm'));
});

test('a socket is disconnected when its login ends, and cannot come back with the old token', async (t) => {
  const short = await startHarness({ alerting: new MemoryAlerting(), influx: { query: async () => [] }, env: { DASHBOARD_TOKEN_TTL_S: '2' } });
  t.teardown(() => short.close());
  const token = await short.login('maint-sn');
  const socket = io(short.api.url, { auth: { token }, transports: ['websocket'], forceNew: true, reconnection: false });
  t.teardown(() => socket.close());
  await new Promise((resolve) => socket.once('snapshot', resolve));
  const reason = await new Promise<string>((resolve) => socket.once('disconnect', resolve));
  t.is(reason, 'io server disconnect');
  socket.connect();
  const err = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
  t.regex(err.message, /unauthorized/);
  t.is((await short.get('/api/auth/me', token)).status, 401);
});

test('a socket on a login longer than setTimeout can wait (24.8 days) stays connected', async (t) => {
  const long = await startHarness({ alerting: new MemoryAlerting(), influx: { query: async () => [] }, env: { DASHBOARD_TOKEN_TTL_S: String(30 * 86_400) } });
  t.teardown(() => long.close());
  const socket = io(long.api.url, { auth: { token: await long.login('maint-sn') }, transports: ['websocket'], forceNew: true, reconnection: false });
  t.teardown(() => socket.close());
  await new Promise((resolve) => socket.once('snapshot', resolve));
  await new Promise((r) => setTimeout(r, 300));
  t.true(socket.connected);
});

test('runAt waits past the longest single setTimeout by re-arming', async (t) => {
  const start = Date.now();
  const firedAt = await new Promise<number>((resolve) => runAt(start + 120, () => resolve(Date.now()), Date.now, 25));
  t.true(firedAt - start >= 115, `fired after ${firedAt - start} ms`);
  let fired = false;
  runAt(Date.now() + 60, () => (fired = true), Date.now, 10).clear();
  await new Promise((r) => setTimeout(r, 100));
  t.false(fired);
});

test('a station whose heartbeats stop is sent as offline without any message from it', async (t) => {
  const admin = await connect(await h.login('admin'));
  t.teardown(() => admin.socket.close());
  await admin.snapshot;
  // Heard 88 s ago, so 2 s short of the default heartbeat threshold (60 s × 1.5).
  const ts = Date.now() - 88_000;
  h.feed.push({ channel: 'status', stationId: 'SN-0005', ts, data: { station: 'SN-0005', ts, online: true, reason: 'heartbeat' } });
  h.feed.push(service('SN-0005', true, ts));
  const briefs = () => admin.events.filter((e) => e.event === 'station' && e.data.id === 'SN-0005').map((e) => `${e.data.live}/${e.data.open}`);
  await until(() => briefs().includes('offline/false'), 6000);
  t.deepEqual(briefs(), ['online/true', 'offline/false']);
});
