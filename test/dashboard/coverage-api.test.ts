import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coveragePoint } from '../../domain/series.js';
import { connectInflux, type Influx } from '../../lib/influx/client.js';
import { createLogger } from '../../lib/logger.js';
import { withInfluxd } from '../helpers/influxd.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';

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
  spool = mkdtempSync(join(tmpdir(), 'coverage-spool-'));
  const writer = influx.writer({ spoolDir: spool, flushMs: 50 });
  // The ingest received from T0 to T0+10 min (a point every 15 s), was down for 20 min, then received again for 5 min.
  for (let x = T0 + 15_000; x <= T0 + 10 * MIN; x += 15_000) writer.write(coveragePoint('svc-ingest', x, 15_000));
  for (let x = T0 + 30 * MIN + 15_000; x <= T0 + 35 * MIN; x += 15_000) writer.write(coveragePoint('svc-ingest', x, 15_000));
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
