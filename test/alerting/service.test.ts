import test from 'ava';
import { AlertingError } from '../../domain/alerts.js';
import { localDateOf, midnightOfDate } from '../../domain/schedule.js';
import { ALERTING_SERIES } from '../../domain/series.js';
import { withInfluxd } from '../helpers/influxd.js';
import { tempSqlite } from '../helpers/database.js';
import { scheduleRequestStore } from '../../dashboard-api/schedule-request-store.js';
import { startHarness, tm, type HarnessOptions } from './harness.js';
import { startHttpReceiver, type HttpReceiver } from './receivers.js';

const fixture = withInfluxd(test);
const T0 = Date.parse('2026-05-06T10:00:00+08:00');
const S = 1000;
const DAY = 24 * 3600 * S;

async function setup(t: { teardown(fn: () => unknown): void }, extra: Partial<HarnessOptions> = {}) {
  const receiver = await startHttpReceiver();
  t.teardown(() => receiver.close());
  const database = fixture.newDatabase('svc');
  const h = await startHarness({ url: fixture.influxd().url, database, receiver, start: T0, ...extra });
  t.teardown(() => h.close());
  return { h, receiver, database };
}

const paths = (r: HttpReceiver) => r.received.map((x) => x.path);
/** Every event sent so far, as `path kind key`. */
const events = (r: HttpReceiver): string[] =>
  r.received.flatMap((x) => x.body.events.map((e: { kind: string; alert: { key: string } }) => `${x.path} ${e.kind} ${e.alert.key}`));

/** Heartbeats for every station at `now` (keeps them online). */
function beat(h: Awaited<ReturnType<typeof startHarness>>, ids = ['SN-0001', 'SN-0002', 'SB-0001']) {
  for (const id of ids) h.send(tm.heartbeat(id, h.clock.now));
}

test('a Last Will raises station_offline at once, notifies its own district only, and inhibits that station’s appliance alerts', async (t) => {
  const { h, receiver } = await setup(t);
  beat(h);
  h.send(tm.service('SN-0001', T0, true));
  h.clock.now += 5 * S;
  h.send(tm.lwt('SN-0001', h.clock.now));
  const offline = h.service.get('SN-0001:station_offline');
  t.is(offline?.state, 'firing');
  h.send(tm.fault('SN-0001', h.clock.now, 'E7'));
  t.is(h.service.get('SN-0001:appliance_fault')?.suppressedBy, 'inhibition');
  await h.delivered();
  t.deepEqual(paths(receiver), ['/hook/SN']);
  const body = receiver.received[0]!.body;
  t.deepEqual(
    body.events.map((e: { alert: { key: string } }) => e.alert.key),
    ['SN-0001:station_offline'],
  );
  t.deepEqual(h.service.list({ district: 'SB' }), []);
});

test('acknowledge is confirmed only once stored: a failing store refuses it and nothing changes', async (t) => {
  let failSaves = false;
  let saving: Promise<void> | null = null;
  const { h } = await setup(t, {
    wrapStore: (s) => ({
      ...s,
      save: (r) => (saving = failSaves ? Promise.reject(new Error('influx down')) : s.save(r)),
    }),
  });
  beat(h);
  h.send(tm.fault('SN-0002', T0, 'E1'));
  const key = 'SN-0002:appliance_fault';
  t.is(h.service.get(key)?.state, 'firing');
  failSaves = true;
  await t.throwsAsync(h.service.acknowledge(key, '王工', '已派人'), { message: 'influx down' });
  t.is(h.service.get(key)?.state, 'firing', 'not acknowledged when the write failed');
  failSaves = false;
  const pending = h.service.acknowledge(key, '王工', '已派人');
  t.is(h.service.get(key)?.state, 'firing', 'still firing while the write is in flight');
  t.truthy(saving);
  const acked = await pending;
  t.like(acked, { state: 'acknowledged', acknowledgedBy: '王工', ackComment: '已派人' });
  t.is(h.service.get(key)?.state, 'acknowledged');
  const again = await t.throwsAsync(h.service.acknowledge(key, 'x', 'y'), { instanceOf: AlertingError });
  t.is(again.code, 'conflict');
  const missing = await t.throwsAsync(h.service.acknowledge('SB-0001:nope', 'x', 'y'), { instanceOf: AlertingError });
  t.is(missing.code, 'not_found');
});

test('restart mid-alert: the current alerts are rebuilt exactly, and resolve (with a message) after the restart', async (t) => {
  const receiver = await startHttpReceiver();
  t.teardown(() => receiver.close());
  const database = fixture.newDatabase('restart');
  const opts = { url: fixture.influxd().url, database, receiver, start: T0 };
  const a = await startHarness(opts);
  beat(a);
  a.send(tm.fault('SN-0001', T0, 'E1'));
  a.send(tm.fault('SB-0001', T0, 'E2'));
  a.clock.now += 5 * S;
  a.send(tm.lwt('SN-0002', a.clock.now));
  await a.service.acknowledge('SB-0001:appliance_fault', '李工', '明天修');
  a.clock.now += 60 * S;
  beat(a, ['SN-0001', 'SB-0001']);
  a.service.evaluate(a.clock.now);
  const before = a.service.list().filter((x) => x.state !== 'resolved');
  t.true(before.length >= 3);
  await a.close();

  const b = await startHarness({ ...opts, start: a.clock.now + 10 * S });
  t.teardown(() => b.close());
  t.deepEqual(
    b.service.list().filter((x) => x.state !== 'resolved'),
    before,
  );
  // The fault clears after the restart: resolved once keep-firing (120 s) has passed, and the district told.
  const n = receiver.received.length;
  b.send(tm.fault('SN-0001', b.clock.now, null));
  // SN-0002 stays silent: nothing says it is back, so its offline alert stays open throughout.
  const offline: Array<string | undefined> = [];
  for (let i = 0; i < 30; i++) {
    b.clock.now += 5 * S;
    beat(b, ['SN-0001', 'SB-0001']);
    b.service.evaluate(b.clock.now);
    offline.push(b.service.get('SN-0002:station_offline')?.state);
  }
  t.deepEqual([...new Set(offline)], ['firing']);
  t.is(b.service.get('SN-0001:appliance_fault')?.state, 'resolved');
  await b.delivered();
  t.deepEqual(
    events(receiver).filter((e) => e.includes('SN-0002')),
    ['/hook/SN firing SN-0002:station_offline'],
    'announced once, before the restart',
  );
  const resolvedMsg = receiver.received
    .slice(n)
    .find((x) => x.body.events.some((e: { kind: string; alert: { key: string } }) => e.kind === 'resolved' && e.alert.key === 'SN-0001:appliance_fault'));
  t.truthy(resolvedMsg);
  t.is(resolvedMsg!.path, '/hook/SN');
});

test('a silence mutes a station under repair; escalation reaches city staff when nobody acknowledges', async (t) => {
  const { h, receiver } = await setup(t, { rules: { escalateAfterS: 60 } });
  beat(h);
  await h.service.silence({ stationId: 'SN-0002', ruleIds: [], from: T0, until: T0 + 3600 * S, reason: '更换微波炉', createdBy: 'ops' });
  t.is(h.service.silences('SN-0002').length, 1);
  await t.throwsAsync(h.service.silence({ stationId: 'SN-0002', ruleIds: ['nope'], from: T0, until: T0 + 1, reason: 'x', createdBy: 'y' }), {
    instanceOf: AlertingError,
  });
  h.send(tm.fault('SN-0002', T0, 'E1'));
  h.send(tm.fault('SB-0001', T0, 'E1'));
  t.is(h.service.get('SN-0002:appliance_fault')?.suppressedBy, 'silence');
  for (let i = 0; i < 14; i++) {
    h.clock.now += 5 * S;
    beat(h);
    h.service.evaluate(h.clock.now);
  }
  await h.delivered();
  t.deepEqual(paths(receiver).sort(), ['/hook/SB', '/hook/city']);
  const city = receiver.received.find((x) => x.path === '/hook/city')!;
  t.is(city.body.audience, 'city');
  t.deepEqual(
    city.body.events.map((e: { kind: string; alert: { key: string } }) => `${e.kind}:${e.alert.key}`),
    ['escalated:SB-0001:appliance_fault'],
  );
  t.true(h.service.get('SB-0001:appliance_fault')!.escalated);
  t.false(h.service.get('SN-0002:appliance_fault')!.escalated, 'a silenced alert is not escalated');
});

test('an alert silenced longer than the escalation time reaches its district when the silence ends, and city staff only later', async (t) => {
  const { h, receiver } = await setup(t, { rules: { escalateAfterS: 60 } });
  const key = 'SN-0002:appliance_fault';
  beat(h);
  await h.service.silence({ stationId: 'SN-0002', ruleIds: [], from: T0, until: T0 + 120 * S, reason: '维修', createdBy: 'ops' });
  h.send(tm.fault('SN-0002', T0, 'E1'));
  const step = (n: number) => {
    for (let i = 0; i < n; i++) {
      h.clock.now += 5 * S;
      beat(h);
      h.service.evaluate(h.clock.now);
    }
  };
  step(24); // to the end of the silence
  await h.delivered();
  t.deepEqual(events(receiver), [`/hook/SN firing ${key}`], 'the district is told when the silence ends, city staff not yet');
  t.false(h.service.get(key)!.escalated);
  step(12); // the district had its full escalation time
  await receiver.waitFor(2);
  t.deepEqual(events(receiver).slice(1), [`/hook/city escalated ${key}`]);
  h.send(tm.fault('SN-0002', h.clock.now, null));
  step(25);
  await receiver.waitFor(3);
  t.deepEqual(events(receiver).slice(2), [`/hook/SN resolved ${key}`]);
});

test('a message from a device clock running ahead is judged at the service clock: no alert starts in the future', async (t) => {
  const { h } = await setup(t);
  beat(h);
  const seen: number[] = [];
  h.service.onTransition((x) => seen.push(x.at));
  h.send(tm.fault('SB-0001', T0 + 4 * 60 * S, 'E3'));
  const alert = h.service.get('SB-0001:appliance_fault')!;
  t.like(alert, { state: 'firing', firstSeen: T0, lastSeen: T0 });
  t.deepEqual(seen, [T0]);
});

test('attestations are stored and count toward facility completeness', async (t) => {
  const { h } = await setup(t);
  beat(h);
  const before = h.service.compliance('SN-0001')[0]!.facility;
  t.true(before.unattested.includes('medical_kit'));
  await h.service.attest({ stationId: 'SN-0001', item: 'medical_kit', present: true, working: true, by: '检查员', at: T0 });
  const after = h.service.compliance('SN-0001')[0]!.facility;
  t.false(after.unattested.includes('medical_kit'));
  t.true(after.percent > before.percent);
  t.is(h.service.attestations('SN-0001').length, 1);
  await t.throwsAsync(h.service.attest({ stationId: 'XX-0001', item: 'sink', present: true, working: true, by: 'a', at: T0 }), { instanceOf: AlertingError });
});

test('silences and attestations are read back from the database after a restart', async (t) => {
  const receiver = await startHttpReceiver();
  t.teardown(() => receiver.close());
  const records = await tempSqlite();
  t.teardown(() => records.close());
  const opts = { url: fixture.influxd().url, database: fixture.newDatabase('records'), receiver, start: T0, records };
  const a = await startHarness(opts);
  const silence = await a.service.silence({ stationId: 'SN-0002', ruleIds: [], from: T0, until: T0 + 3600 * S, reason: '更换微波炉', createdBy: 'ops' });
  await a.service.attest({ stationId: 'SN-0001', item: 'medical_kit', present: true, working: true, by: '检查员', at: T0 });
  await a.close();
  const b = await startHarness({ ...opts, start: T0 + 60 * S });
  t.teardown(() => b.close());
  t.deepEqual(b.service.silences('SN-0002'), [silence]);
  t.deepEqual(b.service.attestations('SN-0001'), [{ stationId: 'SN-0001', item: 'medical_kit', present: true, working: true, by: '检查员', at: T0 }]);
  t.false(b.service.compliance('SN-0001')[0]!.facility.unattested.includes('medical_kit'));
});

test('silences and attestations another node stores are seen at the next re-read; a node’s own are held once', async (t) => {
  const receiver = await startHttpReceiver();
  t.teardown(() => receiver.close());
  const records = await tempSqlite();
  t.teardown(() => records.close());
  const opts = { url: fixture.influxd().url, database: fixture.newDatabase('shared_records'), receiver, start: T0, records };
  const [a, b] = [await startHarness(opts), await startHarness(opts)];
  t.teardown(() => Promise.all([a.close(), b.close()]));
  const silence = await a.service.silence({ stationId: 'SN-0002', ruleIds: [], from: T0, until: T0 + 3600 * S, reason: '更换微波炉', createdBy: 'ops' });
  const att = { stationId: 'SN-0001', item: 'medical_kit' as const, present: true, working: true, by: '检查员', at: T0 };
  await a.service.attest(att);
  t.deepEqual(b.service.silences('SN-0002'), [], 'not re-read yet');
  await Promise.all([a.service.refreshRecords(), b.service.refreshRecords()]);
  t.deepEqual(b.service.silences('SN-0002'), [silence]);
  t.deepEqual(b.service.attestations('SN-0001'), [att]);
  t.false(b.service.compliance('SN-0001')[0]!.facility.unattested.includes('medical_kit'));
  t.deepEqual(a.service.silences('SN-0002'), [silence]);
  t.deepEqual(a.service.attestations('SN-0001'), [att], 'its own attestation once, not again from the re-read');
});

test('restart mid-day: today’s open time is re-read from the raw telemetry', async (t) => {
  const receiver = await startHttpReceiver();
  t.teardown(() => receiver.close());
  const database = fixture.newDatabase('midday');
  // The platform has watched since midnight: the morning's silence is the station's.
  const opts = { url: fixture.influxd().url, database, receiver, start: T0, coveredSince: midnightOfDate(localDateOf(T0)) };
  const a = await startHarness(opts);
  // SN-0001 (08:00-21:30) open and heartbeating from 09:00 to 10:00 local.
  const nine = Date.parse('2026-05-06T09:00:00+08:00');
  const msgs = [tm.service('SN-0001', nine, true)];
  for (let x = nine; x <= T0; x += 60 * S) msgs.push(tm.heartbeat('SN-0001', x));
  await a.ingest(msgs);
  await a.close();
  const b = await startHarness({ ...opts, start: T0 });
  t.teardown(() => b.close());
  const today = b.service.compliance('SN-0001')[0]!.today;
  t.is(today, 1 / 2, 'open 1 h of the 2 h scheduled so far');
});

test('two users acknowledging at once: one succeeds, the other gets a conflict, and the store agrees', async (t) => {
  const { h } = await setup(t);
  beat(h);
  h.send(tm.fault('SB-0001', T0, 'E4'));
  const key = 'SB-0001:appliance_fault';
  const results = await Promise.allSettled([h.service.acknowledge(key, '甲', 'a'), h.service.acknowledge(key, '乙', 'b')]);
  t.is(results[0]!.status, 'fulfilled');
  t.is(results[1]!.status, 'rejected');
  t.is(((results[1] as PromiseRejectedResult).reason as AlertingError).code, 'conflict');
  const stored = await h.influx.query(`SELECT "by" FROM "${ALERTING_SERIES.alertTransition.measurement}" WHERE "state" = $s`, { s: 'acknowledged' });
  t.deepEqual(
    stored.map((r) => r.by),
    ['甲'],
  );
  t.is(h.service.get(key)?.acknowledgedBy, '甲');
});

test('restart mid-day with no coverage recorded: the morning nobody watched is not judged, and is reported as unwatched', async (t) => {
  const receiver = await startHttpReceiver();
  t.teardown(() => receiver.close());
  const database = fixture.newDatabase('unwatched');
  // The platform came up at 09:00 (it wrote coverage from then on); SN-0001 has been open and heartbeating since.
  const nine = Date.parse('2026-05-06T09:00:00+08:00');
  const a = await startHarness({ url: fixture.influxd().url, database, receiver, start: T0, coveredSince: nine });
  const msgs = [tm.service('SN-0001', nine, true)];
  for (let x = nine; x <= T0; x += 60 * S) msgs.push(tm.heartbeat('SN-0001', x));
  await a.ingest(msgs);
  await a.close();
  const b = await startHarness({ url: fixture.influxd().url, database, receiver, start: T0 });
  t.teardown(() => b.close());
  const c = b.service.compliance('SN-0001')[0]!;
  // Scheduled 08:00-10:00; watched from 09:00 plus the 90 s heartbeat tolerance.
  t.is(c.today, 1, 'open the whole time it was watched');
  t.is(c.time.today.uncoveredMs, 3600 * S + 90 * S);
  t.is(c.coverage.today, (3600 - 90) / 7200);
  t.is(c.time.today.offlineMs + c.time.today.closedMs, 0);
});

test('history replayed into the running service (a backfill) fires no alert; live telemetry still does', async (t) => {
  const { h } = await setup(t, { coveredSince: midnightOfDate(localDateOf(T0)) });
  beat(h);
  h.service.evaluate(T0);
  // An hour-old stretch replayed into the running service: a Last Will, a fault, silence after it.
  const past = T0 - 3600 * S;
  h.send(tm.lwt('SB-0001', past));
  h.send(tm.fault('SB-0001', past, 'E9'));
  h.send(tm.heartbeat('SN-0002', past));
  h.clock.now += 30 * S;
  h.service.evaluate(h.clock.now);
  t.deepEqual(h.service.list(), [], 'nothing fires for the past');
  h.send(tm.fault('SB-0001', h.clock.now, 'E9'));
  t.is(h.service.get('SB-0001:appliance_fault')?.state, 'firing', 'a live fault does');
});

test('history of a past day, once it has gone quiet, is rolled up into that day: open, reported closed and offline apart', async (t) => {
  const yesterday = '2026-05-05';
  const { h } = await setup(t, { coveredSince: midnightOfDate(yesterday) });
  const m = midnightOfDate(yesterday);
  const H = 3600 * S;
  // SN-0001 (08:00-21:30) replayed: open and heartbeating 08:00-12:00, then it says closed and goes quiet.
  h.send(tm.service('SN-0001', m + 8 * H, true));
  for (let x = m + 8 * H; x < m + 12 * H; x += 60 * S) h.send(tm.heartbeat('SN-0001', x));
  h.send(tm.service('SN-0001', m + 12 * H, false));
  await h.ingest([]);
  t.deepEqual(await h.service.rollupHistory(), [], 'not while history is still arriving');
  h.clock.now += 61 * S;
  t.deepEqual(await h.service.rollupHistory(), [yesterday]);
  const r = h.service.rollups().find((x) => x.stationId === 'SN-0001' && x.date === yesterday)!;
  t.like(r, { scheduledMs: 13.5 * H, openMs: 4 * H, closedMs: 30 * S, offlineMs: 9.5 * H - 30 * S, uncoveredMs: 0 });
  t.deepEqual(h.service.list(), [], 'and no alert for any of it');
});

test('approved closures and schedule changes in the database shape today, the rollups and closed-in-hours; pending ones and earlier days change nothing', async (t) => {
  const { h } = await setup(t, { coveredSince: midnightOfDate('2026-05-05') });
  const H = 3600 * S;
  const requests = scheduleRequestStore(h.records.db);
  const ask = async (change: Parameters<typeof requests.create>[0], approve: boolean) => {
    const r = await requests.create(change);
    if (approve) await requests.step(r.id, 'approve', { by: 'admin', at: T0 - DAY });
  };
  const who = { note: '说明', by: 'maint', at: T0 - 2 * DAY };
  await ask({ kind: 'closure', stationId: 'SN-0001', district: 'SN', from: '2026-05-06', to: '2026-05-06', reason: 'power_cut', ...who }, true);
  await ask({ kind: 'closure', stationId: 'SN-0002', district: 'SN', from: '2026-05-06', to: '2026-05-06', reason: 'power_cut', ...who }, false);
  await ask({ kind: 'schedule', stationId: 'SB-0001', district: 'SB', effectiveFrom: '2026-05-06', hours: { type: '24h' }, ...who }, true);
  t.is(typeof h.service.scheduleOf('SN-0001'), 'object', 'not read yet: the registry hours');
  await h.service.refreshRecords();

  // Online and saying closed from 10:00: SN-0002's pending closure does not excuse it; SN-0001's approved one does.
  for (const id of ['SN-0001', 'SN-0002']) h.send(tm.service(id, T0, false));
  for (let i = 0; i <= 16; i++) {
    beat(h);
    h.service.evaluate(h.clock.now);
    h.clock.now += 60 * S;
  }
  t.like(h.service.get('SN-0002:closed_in_hours'), { state: 'firing', firstSeen: T0 }, 'after the rule’s 15 min');
  t.is(h.service.get('SN-0001:closed_in_hours'), undefined);

  const today = (id: string) => h.service.compliance(id)[0]!.time.today;
  /** Scheduled time so far today, watched or not (the coverage after the start is not re-read here). */
  const planned = (id: string) => today(id).scheduledMs + today(id).uncoveredMs;
  const sinceMidnight = h.clock.now - midnightOfDate('2026-05-06');
  t.like(today('SN-0001'), { scheduledMs: 0, uncoveredMs: 0, closedMs: 0, offlineMs: 0, declaredClosedMs: sinceMidnight - 8 * H });
  t.is(planned('SN-0002'), sinceMidnight);
  t.is(today('SN-0002').declaredClosedMs, 0);
  t.is(planned('SB-0001'), sinceMidnight, '24 h from the change’s first day');

  // Yesterday, before the change, keeps SB-0001's old hours (06:30-20:00); today's rollup uses the closure as the live figure did.
  const rolled = await h.service.rollupRange('2026-05-05', '2026-05-06');
  const day = (id: string, date: string) => rolled.find((r) => r.stationId === id && r.date === date)!;
  t.like(day('SB-0001', '2026-05-05'), { scheduledMs: 13.5 * H, declaredClosedMs: 0 });
  const plannedOn = (id: string, date: string) => day(id, date).scheduledMs + day(id, date).uncoveredMs;
  t.is(plannedOn('SB-0001', '2026-05-06'), DAY);
  t.like(day('SN-0001', '2026-05-05'), { scheduledMs: 13.5 * H, declaredClosedMs: 0 });
  t.like(day('SN-0001', '2026-05-06'), { scheduledMs: 0, declaredClosedMs: 13.5 * H });
  t.is(plannedOn('SN-0002', '2026-05-06'), DAY);
  t.is(day('SN-0002', '2026-05-06').declaredClosedMs, 0);
});
