import test from 'ava';
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
