import test from 'ava';
import { rmSync } from 'node:fs';
import { recordToPoint } from '../../alerting/influx-store.js';
import type { DistrictCode } from '../../domain/districts.js';
import { DAY_MS, localDateOf, localMidnight } from '../../domain/schedule.js';
import { coveragePoint } from '../../domain/series.js';
import { NO_TIME, type DailyRollup } from '../../rules/compliance.js';
import { connectInflux, type Influx } from '../../lib/influx/client.js';
import { createLogger } from '../../lib/logger.js';
import { withInfluxd } from '../helpers/influxd.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';
import { scratchDir } from '../helpers/scratch-dir.js';

// Issue 15: a period nobody was watching is marked as such — the API gives charts the platform's
// own coverage, as the ingest wrote it, with the gaps.

const fixture = withInfluxd(test);
const T0 = Date.UTC(2026, 10, 20, 0, 0);
const MIN = 60_000;

let influx: Influx;
let h: Harness;
let spool: string;

test.serial.before(async () => {
  influx = await connectInflux({ url: fixture.influxd().url, database: fixture.newDatabase('coverage') }, createLogger('test', 'silent'));
  await influx.ensureDatabase();
  spool = scratchDir('coverage-spool-');
  const writer = influx.writer({ spoolDir: spool, flushMs: 50 });
  // The ingest received from T0 to T0+10 min (a point every 15 s), was down for 20 min, then received again for 5 min.
  for (let x = T0 + 15_000; x <= T0 + 10 * MIN; x += 15_000) writer.write(coveragePoint('svc-ingest', x, 15_000));
  for (let x = T0 + 30 * MIN + 15_000; x <= T0 + 35 * MIN; x += 15_000) writer.write(coveragePoint('svc-ingest', x, 15_000));
  // Daily rollups of the last days (local midnights): yesterday watched, the day before nobody watched, the third day none at all.
  const today = localMidnight(Date.now());
  const rollup = (stationId: string, district: DistrictCode, daysAgo: number, t: Partial<DailyRollup>): void =>
    writer.write(
      recordToPoint({
        kind: 'rollup',
        rollup: { ...NO_TIME, stationId, district, date: localDateOf(today - daysAgo * DAY_MS), ...t },
      }),
    );
  rollup('SN-0001', 'SN', 1, { scheduledMs: 10 * 3_600_000, openMs: 9 * 3_600_000 });
  rollup('SN-0002', 'SN', 1, { scheduledMs: 14 * 3_600_000, openMs: 7 * 3_600_000, uncoveredMs: 10 * 3_600_000 });
  rollup('SN-0001', 'SN', 2, { uncoveredMs: 10 * 3_600_000 });
  rollup('SB-0001', 'SB', 1, { scheduledMs: 24 * 3_600_000, openMs: 24 * 3_600_000 });
  await writer.close();
  h = await startHarness({ alerting: new MemoryAlerting(), influx });
});
test.after.always(async () => {
  await h?.close();
  await influx?.close();
  if (spool) rmSync(spool, { recursive: true, force: true });
});

test.serial('the coverage of a range: watched stretches, the unwatched gaps, and the watched share', async (t) => {
  const token = await h.login('maint-sn');
  const r = await h.get(`/api/coverage?from=${T0 - 5 * MIN}&to=${T0 + 40 * MIN}`, token);
  t.is(r.status, 200, JSON.stringify(r.body));
  t.deepEqual(r.body.covered, [
    [T0, T0 + 10 * MIN],
    [T0 + 30 * MIN, T0 + 35 * MIN],
  ]);
  t.deepEqual(r.body.uncovered, [
    [T0 - 5 * MIN, T0],
    [T0 + 10 * MIN, T0 + 30 * MIN],
    [T0 + 35 * MIN, T0 + 40 * MIN],
  ]);
  t.is(r.body.coveredShare, 15 / 45);
});

test.serial('a reversed or too long range is refused with the reason', async (t) => {
  const token = await h.login('maint-sn');
  const reversed = await h.get(`/api/coverage?from=${T0}&to=${T0 - MIN}`, token);
  t.is(reversed.status, 400);
  t.regex(JSON.stringify(reversed.body), /must be after/);
  const long = await h.get(`/api/coverage?from=${T0}&to=${T0 + 30 * 86_400_000}`, token);
  t.is(long.status, 400);
  t.regex(JSON.stringify(long.body), /at most 8 days/);
});

test.serial('the 30-day trend pools each district’s rollups per local day, and a day nobody watched has no compliance, coverage 0', async (t) => {
  const mine = await h.get('/api/compliance/trend', await h.login('maint-sn'));
  t.is(mine.status, 200, JSON.stringify(mine.body));
  t.is(mine.body.dates.length, 30);
  t.is(mine.body.dates.at(-1), localDateOf(localMidnight(Date.now()) - DAY_MS), 'the last complete day');
  t.deepEqual(
    mine.body.districts.map((d: { district: string }) => d.district),
    ['SN'],
    'a maintainer sees their district',
  );
  const sn = mine.body.districts[0];
  t.is(sn.compliance.at(-1), 16 / 24, 'pooled: Σopen ÷ Σwatched scheduled');
  t.is(sn.coverage.at(-1), 24 / 34);
  t.is(sn.compliance.at(-2), null);
  t.is(sn.coverage.at(-2), 0, 'nobody watched');
  t.is(sn.coverage.at(-3), null, 'no rollup');
  const all = await h.get('/api/compliance/trend?days=7', await h.login('admin'));
  t.is(all.body.districts.length, 12);
  t.is(all.body.districts.find((d: { district: string }) => d.district === 'SB').compliance.at(-1), 1);
  t.is((await h.get('/api/compliance/trend?district=SB', await h.login('maint-sn'))).status, 403);
});
