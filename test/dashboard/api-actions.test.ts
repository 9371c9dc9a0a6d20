import test from 'ava';
import { auditLog, type AuditEntry } from '../../dashboard-api/audit-log.js';
import { MANUAL_ITEMS } from '../../domain/equipment.js';
import type { Telemetry } from '../../domain/telemetry.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';

// Alert resolve and silences, fleet figures against a known state, and the validation the
// routes add on top of the schemas. One harness per file: these tests change its state.

let h: Harness;
let alerting: MemoryAlerting;
const T = Date.now();
test.before(async () => {
  alerting = new MemoryAlerting();
  alerting.fire({ ruleId: 'appliance_fault', stationId: 'JM-0001', district: 'JM', severity: 'major', summaryZh: '故障', summaryEn: 'fault', firstSeen: T });
  alerting.fire({
    ruleId: 'station_offline',
    stationId: 'JM-0002',
    district: 'JM',
    severity: 'critical',
    summaryZh: '离线',
    summaryEn: 'offline',
    firstSeen: T,
  });
  alerting.fire({ ruleId: 'over_capacity', stationId: 'JM-0003', district: 'JM', severity: 'minor', summaryZh: '超员', summaryEn: 'crowded', firstSeen: T });
  alerting.fire({ ruleId: 'fridge_too_warm', stationId: 'JM-0004', district: 'JM', severity: 'minor', summaryZh: '冰箱', summaryEn: 'fridge', firstSeen: T });
  h = await startHarness({ alerting, influx: { query: async () => [] } });
});
test.after.always(() => h?.close());

const audit = (): Promise<AuditEntry[]> => auditLog(h.db).list({ limit: 1000 });
const key = (k: string): string => encodeURIComponent(k);
const heard = (stationId: string, ts: number, open: boolean): Telemetry[] => [
  { channel: 'status', stationId, ts, data: { station: stationId, ts, online: true, reason: 'heartbeat' } },
  { channel: 'service', stationId, ts, data: { station: stationId, ts, open, door: open ? 'open' : 'closed' } },
];

test.serial('fleet summary, station list and navigation agree on online and open now, counting missed heartbeats', async (t) => {
  const now = Date.now();
  for (const m of [...heard('XHA-0001', now, true), ...heard('XHA-0002', now, false), ...heard('XHA-0003', now - 10 * 60_000, true)]) h.feed.push(m);
  h.feed.push({ channel: 'status', stationId: 'XHA-0004', ts: now, data: { station: 'XHA-0004', ts: now, online: false, reason: 'lwt' } });
  const token = await h.login('viewer');
  const summary = await h.get('/api/fleet/summary?district=XHA', token);
  t.is(summary.status, 200);
  const registered = h.registry.inDistrict('XHA').length;
  // XHA-0003 said "online, open" 10 minutes ago: past the 90 s heartbeat threshold it is offline and not open.
  t.like(summary.body.districts[0], { code: 'XHA', registered, online: 2, offline: 2, unknown: registered - 4, openNow: 1 });
  const list = await h.get('/api/stations?district=XHA&state=open', token);
  t.deepEqual(
    list.body.stations.map((s: { id: string }) => s.id),
    ['XHA-0001'],
  );
  const stale = await h.get('/api/stations/XHA-0003', token);
  t.like(stale.body, { liveState: 'offline', openNow: false });
  const nav = await h.get('/api/navigation?district=XHA', token);
  const open = new Map(nav.body.map((r: { id: string; openNow: boolean | null }) => [r.id, r.openNow]));
  t.deepEqual(
    ['XHA-0001', 'XHA-0002', 'XHA-0003', 'XHA-0004', 'XHA-0005'].map((id) => open.get(id)),
    [true, false, false, false, null],
  );
});

test.serial('fleet summary counts active alerts by severity; resolved ones drop out', async (t) => {
  const token = await h.login('admin');
  const jm = async () => (await h.get('/api/fleet/summary?district=JM', token)).body.districts[0].activeAlerts;
  t.deepEqual(await jm(), { critical: 1, major: 1, minor: 2, info: 0 });
  await alerting.resolve('JM-0004:fridge_too_warm', 'system');
  t.deepEqual(await jm(), { critical: 1, major: 1, minor: 1, info: 0 });
});

test.serial('resolve: done with a comment and audited; a second resolve is a conflict; bad bodies are 400', async (t) => {
  const token = await h.login('admin');
  const ok = await h.send('POST', `/api/alerts/${key('JM-0001:appliance_fault')}/resolve`, { comment: '已更换微波炉' }, token);
  t.is(ok.status, 200);
  t.like(ok.body, { state: 'resolved', resolvedBy: 'admin', resolveComment: '已更换微波炉' });
  t.like(
    (await audit()).find((l) => l.action === 'resolve'),
    { user: 'admin', role: 'city-admin', district: 'JM', target: 'JM-0001:appliance_fault', detail: { comment: '已更换微波炉' } },
  );
  const again = await h.send('POST', `/api/alerts/${key('JM-0001:appliance_fault')}/resolve`, {}, token);
  t.is(again.status, 409);
  t.is(again.body.error.code, 'conflict');
  const bad = await h.send('POST', `/api/alerts/${key('JM-0002:station_offline')}/resolve`, { comment: 'x'.repeat(501) }, token);
  t.is(bad.status, 400);
  t.true(bad.body.error.issues.some((i: { path: string }) => i.path === 'body.comment'));
  const extra = await h.send('POST', `/api/alerts/${key('JM-0002:station_offline')}/resolve`, { state: 'resolved' }, token);
  t.is(extra.status, 400);
  t.is(alerting.get('JM-0002:station_offline')?.state, 'firing');
  const unknown = await h.send('POST', `/api/alerts/${key('JM-0009:appliance_fault')}/resolve`, {}, token);
  t.is(unknown.status, 404);
});

test.serial('silence: created and audited; unknown rules, a past or too long window are 400', async (t) => {
  const token = await h.login('maint-sn');
  const until = new Date(Date.now() + 2 * 3600_000).toISOString();
  const ok = await h.send('POST', '/api/silences', { stationId: 'SN-0003', ruleIds: ['appliance_fault'], until, reason: '更换设备' }, token);
  t.is(ok.status, 200);
  t.like(ok.body, { stationId: 'SN-0003', ruleIds: ['appliance_fault'], until: Date.parse(until), createdBy: 'maint-sn' });
  t.like(
    (await audit()).find((l) => l.action === 'silence'),
    { user: 'maint-sn', district: 'SN', target: 'SN-0003', detail: { id: ok.body.id, ruleIds: ['appliance_fault'], reason: '更换设备' } },
  );
  const listed = await h.get('/api/silences?station=SN-0003', token);
  t.deepEqual(
    listed.body.map((s: { id: string }) => s.id),
    [ok.body.id],
  );

  const cases: Array<[string, object, string, RegExp]> = [
    ['unknown rule', { ruleIds: ['no_such_rule'], until }, 'body.ruleIds.0', /Invalid option/],
    ['past until', { until: new Date(Date.now() - 60_000).toISOString() }, 'body.until', /future/],
    [
      'until before from',
      { from: new Date(Date.now() + 7200_000).toISOString(), until: new Date(Date.now() + 3600_000).toISOString() },
      'body.until',
      /after from/,
    ],
    ['over 30 days', { until: new Date(Date.now() + 31 * 86_400_000).toISOString() }, 'body.until', /30 days/],
  ];
  for (const [what, body, path, message] of cases) {
    const r = await h.send('POST', '/api/silences', { stationId: 'SN-0003', reason: 'x', ...body }, token);
    t.is(r.status, 400, what);
    t.is(r.body.error.code, 'invalid_request', what);
    t.true(
      r.body.error.issues.some((i: { path: string; message: string }) => i.path === path && message.test(i.message)),
      `${what}: ${JSON.stringify(r.body.error)}`,
    );
  }
  t.is(alerting.silences('SN-0003').length, 1);
});

test.serial('history accepts ISO 8601 or epoch ms, and refuses epoch seconds instead of reading them as 1970', async (t) => {
  const token = await h.login('admin');
  const base = '/api/stations/SN-0001/history?metric=service.open&every=1h';
  t.is((await h.get(`${base}&from=1764000000000&to=1764003600000`, token)).status, 200);
  t.is((await h.get(`${base}&from=2025-11-24T16:00:00%2B08:00&to=2025-11-24T18:00:00%2B08:00`, token)).status, 200);
  for (const qs of ['from=1764000000&to=1764003600', 'from=1764000000000&to=176400360000']) {
    const r = await h.get(`${base}&${qs}`, token);
    t.is(r.status, 400, qs);
    t.true(
      r.body.error.issues.some((i: { path: string }) => i.path === 'query.from' || i.path === 'query.to'),
      JSON.stringify(r.body.error),
    );
  }
});

test.serial('an attestation for an item the station does not list is refused', async (t) => {
  const token = await h.login('admin');
  const station = h.registry.stations.find((s) => s.equipment.medical_kit === 'inspection' && MANUAL_ITEMS.some((i) => s.equipment[i] === undefined))!;
  const unlisted = MANUAL_ITEMS.find((i) => station.equipment[i] === undefined)!;
  const r = await h.send('POST', '/api/attestations', { stationId: station.id, item: unlisted, present: true, working: true }, token);
  t.is(r.status, 400);
  t.like(r.body.error.issues[0], { path: 'body.item' });
  t.regex(r.body.error.message, new RegExp(`${station.id} has no ${unlisted}`));
  t.is(alerting.attestations(station.id).length, 0);
  const listed = await h.send('POST', '/api/attestations', { stationId: station.id, item: 'medical_kit', present: true, working: true }, token);
  t.is(listed.status, 200);
});
