import test from 'ava';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';

// The acceptance form over the API (issue 11 item 1): a past year's form is judged on that year's
// rollups (asked of InfluxDB with the year's bounds), forms exist for every year with stations, and
// city staff score only the part of an item the evidence leaves open.

const H = 3_600_000;
const queries: Array<{ q: string; params?: Record<string, unknown> }> = [];
let h: Harness;
let station: string;
test.before(async () => {
  h = await startHarness({
    alerting: new MemoryAlerting(),
    influx: {
      async query(q, params) {
        queries.push({ q, ...(params ? { params } : {}) });
        return q.includes('compliance_daily') ? [{ station, scheduled_ms: 100 * H, open_ms: 25 * H, offline_ms: 75 * H }] : [];
      },
    },
  });
  station = h.registry.inDistrict('BS').find((s) => s.yearBuilt === 2019)!.id;
});
test.after.always(() => h?.close());

test.serial("a past year's form takes that year's rollups, not today's figures", async (t) => {
  const admin = await h.login('admin');
  const r = await h.get('/api/acceptance/BS?year=2020', admin);
  t.is(r.status, 200, JSON.stringify(r.body));
  const q = queries.find((x) => x.q.includes('compliance_daily'))!;
  t.deepEqual(q.params, { district: 'BS', from: '2019-12-31T16:00:00.000Z', to: '2020-12-31T16:00:00.000Z' });
  const i10 = r.body.items.find((i: { no: number }) => i.no === 10);
  t.like(i10.parts[0], { auto: true, score: 1 });
  t.is(i10.manualMax, 6);
  t.like(
    r.body.items.find((i: { no: number }) => i.no === 7),
    { auto: false, manualMax: 10 },
  );
});

test.serial('forms exist from the first station’s year to the current one; other years are refused', async (t) => {
  const admin = await h.login('admin');
  const thisYear = new Date().getFullYear();
  t.is((await h.get(`/api/acceptance/BS?year=${thisYear}`, admin)).status, 200);
  t.is((await h.get('/api/acceptance/BS?year=2023', admin)).body.year, 2023);
  t.is((await h.get('/api/acceptance/BS?year=2018', admin)).status, 400);
  t.is((await h.get(`/api/acceptance/BS?year=${thisYear + 1}`, admin)).status, 400);
  t.is((await h.get('/api/acceptance/BS', admin)).body.year, thisYear);
});

test.serial('city staff score only the part the evidence leaves open', async (t) => {
  const admin = await h.login('admin');
  const over = await h.send('PUT', '/api/acceptance/BS/items/10?year=2020', { score: 7, note: '' }, admin);
  t.is(over.status, 400);
  t.regex(over.body.error.message, /at most 6 of item 10/);
  const ok = await h.send('PUT', '/api/acceptance/BS/items/10?year=2020', { score: 6, note: '满意度问卷' }, admin);
  t.is(ok.status, 200, JSON.stringify(ok.body));
  t.is(ok.body.items.find((i: { no: number }) => i.no === 10).score, 7);
});
