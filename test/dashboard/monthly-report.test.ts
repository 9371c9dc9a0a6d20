import test from 'ava';
import type { WeekHours } from '../../domain/schedule.js';
import { scheduleRequestStore } from '../../dashboard-api/schedule-request-store.js';
import { selfCheckStore } from '../../dashboard-api/self-check-store.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';

// The monthly report city staff send upward (issue 11 item 6): districts ranked by the month's
// pooled open compliance then facility completeness, usage per district, the plan's arithmetic
// explained; JSON, CSV and printable HTML; a maintainer sees their own district.

const H = 3_600_000;
const asked: Array<{ q: string; params?: Record<string, unknown> }> = [];
let h: Harness;
test.before(async () => {
  h = await startHarness({
    alerting: new MemoryAlerting(),
    influx: {
      async query(q, params) {
        asked.push({ q, ...(params ? { params } : {}) });
        if (q.includes('compliance_daily'))
          return [
            // SB: 90 of 100 watched hours; SN: one station at 100/100, one at 20/100 → pooled 60 %.
            { station: 'SB-0001', district: 'SB', scheduled_ms: 100 * H, open_ms: 90 * H },
            { station: 'SN-0001', district: 'SN', scheduled_ms: 100 * H, open_ms: 100 * H },
            { station: 'SN-0002', district: 'SN', scheduled_ms: 100 * H, open_ms: 20 * H, uncovered_ms: 100 * H },
          ];
        if (q.includes('station_occupancy'))
          return [
            { district: 'SN', visits: 1234, peak: 9 },
            { district: 'SB', visits: 800, peak: 6 },
          ];
        if (q.includes('speaker')) return [{ district: 'SN', wakeups: 300, q_news_policy: 10, q_qa: 20, q_learning: 5, q_relaxation: 1, q_life_services: 4 }];
        return [];
      },
    },
  });
});
test.after.always(() => h?.close());

test.serial('districts ranked by pooled compliance, with usage per district and the build progress notes', async (t) => {
  const admin = await h.login('admin');
  const r = await h.get('/api/reports/monthly?month=2026-02', admin);
  t.is(r.status, 200, JSON.stringify(r.body));
  t.deepEqual(asked.at(-1)!.params, { from: '2026-01-31T16:00:00.000Z', to: '2026-02-28T16:00:00.000Z' });
  t.is(r.body.districts.length, 12);
  t.like(r.body.districts[0], { rank: 1, district: 'SB', compliance: 0.9, failing: 1, visits: 800, peakPeople: 6 });
  t.like(r.body.districts[1], {
    rank: 2,
    district: 'SN',
    compliance: 0.6,
    coverage: 2 / 3,
    failing: 1,
    visits: 1234,
    peakPeople: 9,
    speakerWakeups: 300,
    speakerQueries: 40,
  });
  t.is(r.body.districts[2].compliance, null, 'no rollups: no figure, ranked after');
  t.regex(r.body.notes.map((n: { zh: string }) => n.zh).join(), /附件1分配表各单位合计105座/);
  t.regex(r.body.notes.map((n: { zh: string }) => n.zh).join(), /295座，少于当年目标300座/);
});

test.serial('downloadable as CSV and printable HTML in Chinese; a maintainer gets their own district; a bad month is refused', async (t) => {
  const admin = await h.login('admin');
  const csv = await h.get('/api/reports/monthly?month=2026-02&format=csv', admin);
  t.regex(csv.headers.get('content-disposition') ?? '', /monthly-report-2026-02\.csv/);
  t.regex(csv.body, /^\uFEFF?排名,单位,驿站数,开放率/);
  t.regex(csv.body, /\r\n1,市北区,\d+,90\.0%/);
  const html = await h.get('/api/reports/monthly?month=2026-12&format=html', admin);
  t.regex(html.body, /<html lang="zh-CN">/);
  t.regex(html.body, /智能户外劳动者驿站月报 2026-12/);
  t.deepEqual(asked.at(-1)!.params, { from: '2026-11-30T16:00:00.000Z', to: '2026-12-31T16:00:00.000Z' });
  const sn = await h.login('maint-sn');
  const mine = await h.get('/api/reports/monthly?month=2026-02', sn);
  t.deepEqual(
    mine.body.districts.map((d: { district: string }) => d.district),
    ['SN'],
  );
  t.is((await h.get('/api/reports/monthly?month=2026-02&district=SB', sn)).status, 403);
  t.is((await h.get('/api/reports/monthly?month=2026-13', admin)).status, 400);
});

test.serial('the month’s approved closures and schedule changes per district, the pending ones, and late self-checks', async (t) => {
  const requests = scheduleRequestStore(h.db);
  const at = Date.parse('2026-06-01T10:00:00+08:00');
  const ask = async (change: Parameters<typeof requests.create>[0], decide?: 'approve' | 'reject') => {
    const r = await requests.create(change);
    if (decide) await requests.step(r.id, decide, { by: 'admin', at });
  };
  const who = { note: '说明', by: 'maint-sn', at };
  await ask({ kind: 'closure', stationId: 'SN-0001', district: 'SN', from: '2026-06-28', to: '2026-07-02', reason: 'renovation', ...who }, 'approve');
  await ask({ kind: 'closure', stationId: 'SN-0002', district: 'SN', from: '2026-08-01', to: '2026-08-02', reason: 'holiday', ...who }, 'approve');
  await ask({ kind: 'closure', stationId: 'SN-0003', district: 'SN', from: '2026-07-10', to: '2026-07-10', reason: 'power_cut', ...who }, 'reject');
  const hours = {
    type: 'weekly',
    weekly: { sun: [], mon: [{ open: '08:00', close: '20:00' }], tue: [], wed: [], thu: [], fri: [], sat: [] },
  } satisfies WeekHours;
  await ask({ kind: 'schedule', stationId: 'SB-0001', district: 'SB', effectiveFrom: '2026-07-15', hours, ...who, by: 'maint-sb' }, 'approve');
  await ask({ kind: 'closure', stationId: 'SB-0002', district: 'SB', from: '2026-12-30', to: '2026-12-31', reason: 'other', ...who, by: 'maint-sb' });
  const checks = selfCheckStore(h.db);
  await checks.step('SN', 2026, 'submit', { by: 'maint-sn', at: Date.parse('2026-06-29T10:00:00+08:00') });
  await checks.step('SB', 2026, 'submit', { by: 'maint-sb', at: Date.parse('2026-07-03T10:00:00+08:00') });

  const admin = await h.login('admin');
  const july = (await h.get('/api/reports/monthly?month=2026-07', admin)).body;
  t.deepEqual(
    july.scheduleChanges.map((c: { stationId: string; state: string }) => [c.stationId, c.state]),
    [
      ['SB-0001', 'approved'],
      ['SN-0001', 'approved'],
      ['SB-0002', 'pending'],
    ],
    'approved for July (a closure touching it, a change effective in it), then the pending; not August’s, not a rejected one',
  );
  t.like(july.scheduleChanges[0], { kind: 'schedule', effectiveFrom: '2026-07-15', weeklyHours: 12, decidedBy: 'admin', nameZh: '市北区' });
  t.like(july.scheduleChanges[1], { kind: 'closure', from: '2026-06-28', to: '2026-07-02', reason: 'renovation' });
  const late = july.lateSelfChecks.map((l: { district: string }) => l.district);
  t.true(late.includes('SB'), 'submitted on 3 July');
  t.true(late.includes('LC'), 'never submitted');
  t.false(late.includes('SN'), 'submitted on 29 June');
  t.like(
    july.lateSelfChecks.find((l: { district: string }) => l.district === 'LC'),
    { dueBy: '2026-06-30', submittedAt: null },
  );
  t.deepEqual((await h.get('/api/reports/monthly?month=2026-06', admin)).body.lateSelfChecks, [], 'at the end of June nobody was late');

  const sn = (await h.get('/api/reports/monthly?month=2026-07', await h.login('maint-sn'))).body;
  t.deepEqual(
    sn.scheduleChanges.map((c: { stationId: string }) => c.stationId),
    ['SN-0001'],
    'a maintainer sees their district’s',
  );
  const csv = (await h.get('/api/reports/monthly?month=2026-07&format=csv', admin)).body;
  t.regex(csv, /申报闭站与开放时间调整/);
  t.regex(csv, /市南区,SN-0001 [^,]+,申报闭站,已批准,2026-06-28 至 2026-07-02,装修/);
  t.regex(csv, /市北区,2026-06-30,逾期上报 2026-07-03/);
  const html = (await h.get('/api/reports/monthly?month=2026-07&format=html', admin)).body;
  t.regex(html, /<table id="schedule-changes">[\s\S]*开放时间调整[\s\S]*每周 12 小时/);
  t.regex(html, /<table id="late-self-checks">[\s\S]*未上报/);
});
