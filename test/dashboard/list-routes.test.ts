import test from 'ava';
import type { ComplianceSnapshot } from '../../domain/alerts.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';
import { NO_TIMES, WATCHED } from './helpers/snapshots.js';

// Issue 15's lists on the server: stations and compliance sorted by any column, searched and
// paged; the alert history filtered by district, severity, type, state and date, and as CSV.

const alerting = new MemoryAlerting();
let h: Harness;
// 2026-03-01 12:00 Shanghai and the day after.
const DAY1 = Date.parse('2026-03-01T04:00:00Z');
const DAY2 = DAY1 + 86_400_000;

test.before(async () => {
  alerting.fire({
    ruleId: 'appliance_fault',
    stationId: 'JM-0001',
    district: 'JM',
    severity: 'major',
    summaryZh: '饮水机故障',
    summaryEn: 'fault',
    firstSeen: DAY1,
  });
  alerting.fire({
    ruleId: 'station_offline',
    stationId: 'JM-0002',
    district: 'JM',
    severity: 'critical',
    summaryZh: '离线',
    summaryEn: 'offline',
    firstSeen: DAY2,
  });
  alerting.fire({
    ruleId: 'fridge_too_warm',
    stationId: 'SN-0001',
    district: 'SN',
    severity: 'minor',
    summaryZh: '冰箱',
    summaryEn: 'fridge',
    firstSeen: DAY2,
  });
  await alerting.resolve('JM-0001:appliance_fault', 'maint-jm', '已更换');
  h = await startHarness({ alerting, influx: { query: async () => [] } });
  for (const [i, s] of h.registry.inDistrict('SB').entries()) {
    const c: ComplianceSnapshot = {
      stationId: s.id,
      district: 'SB',
      today: i === 3 ? null : i / 100,
      last30Days: 1 - i / 100,
      yearToDate: 0.9,
      coverage: WATCHED,
      time: NO_TIMES,
      failingOpenAllYear: false,
      facility: { percent: 100, missing: [], faulted: [], notReporting: [], unattested: [] },
    };
    alerting.snapshots.push(c);
  }
});
test.after.always(() => h?.close());

test('stations: sorted by any column in either order, one page at a time with the total, searched', async (t) => {
  const token = await h.login('viewer');
  const sb = h.registry.inDistrict('SB');
  const byName = [...sb].sort((a, b) => b.name.localeCompare(a.name, 'zh-CN'));
  const page2 = await h.get('/api/stations?district=SB&sort=name&order=desc&limit=10&offset=10', token);
  t.is(page2.status, 200);
  t.is(page2.body.total, sb.length);
  t.deepEqual(
    page2.body.stations.map((s: { id: string }) => s.id),
    byName.slice(10, 20).map((s) => s.id),
  );
  // Compliance today ascending, the station with no figure last.
  const today = await h.get('/api/stations?district=SB&sort=complianceToday&limit=1000', token);
  t.deepEqual(
    today.body.stations.slice(0, 3).map((s: { id: string }) => s.id),
    [sb[0]!.id, sb[1]!.id, sb[2]!.id],
  );
  t.is(today.body.stations.at(-1).id, sb[3]!.id);
  const found = await h.get(`/api/stations?q=${encodeURIComponent(sb[5]!.name)}`, token);
  t.true(found.body.stations.some((s: { id: string; contactPhone: string }) => s.id === sb[5]!.id && s.contactPhone === sb[5]!.contactPhone));
});

test('compliance: paged, sorted by a figure, searched by name', async (t) => {
  const token = await h.login('viewer');
  const r = await h.get('/api/compliance?district=SB&sort=last30Days&order=asc&limit=5', token);
  t.is(r.status, 200);
  const sb = h.registry.inDistrict('SB');
  t.is(r.body.total, sb.length);
  t.deepEqual(
    r.body.rows.map((c: { stationId: string }) => c.stationId),
    sb
      .slice(-5)
      .reverse()
      .map((s) => s.id),
  );
  const q = await h.get(`/api/compliance?q=${encodeURIComponent(sb[7]!.name)}`, token);
  t.true(q.body.rows.some((c: { stationId: string }) => c.stationId === sb[7]!.id));
  t.true(q.body.rows.every((c: { name: string }) => c.name.includes(sb[7]!.name)));
});

test("alert history: filtered by severity, type, state and start date, scoped to a maintainer's district, and as CSV", async (t) => {
  const admin = await h.login('admin');
  const keys = async (qs: string, token = admin): Promise<string[]> =>
    (await h.get(`/api/alert-history?${qs}`, token)).body.alerts.map((a: { key: string }) => a.key);
  // Newest first: the two of day 2, then day 1's.
  const all = await keys('');
  t.deepEqual(all.slice(0, 2).sort(), ['JM-0002:station_offline', 'SN-0001:fridge_too_warm']);
  t.is(all[2], 'JM-0001:appliance_fault');
  t.deepEqual(await keys('state=resolved'), ['JM-0001:appliance_fault']);
  t.deepEqual(await keys('severity=critical'), ['JM-0002:station_offline']);
  t.deepEqual(await keys('rule=fridge_too_warm'), ['SN-0001:fridge_too_warm']);
  t.deepEqual(await keys('from=2026-03-01&to=2026-03-01'), ['JM-0001:appliance_fault']);
  t.deepEqual((await keys('from=2026-03-02')).sort(), ['JM-0002:station_offline', 'SN-0001:fridge_too_warm']);
  t.deepEqual(await keys('', await h.login('maint-sn')), ['SN-0001:fridge_too_warm']);
  const csv = await h.get('/api/alert-history?district=JM&format=csv', admin);
  t.is(csv.status, 200);
  t.regex(csv.headers.get('content-type') ?? '', /text\/csv/);
  const lines = (csv.body as string).trim().split('\r\n');
  t.is(lines.length, 3);
  t.regex(lines[0]!, /告警,驿站,驿站名称,区市,类型,级别,状态/);
  t.regex(csv.body as string, /JM-0001:appliance_fault.*resolved.*maint-jm,已更换/);
});
