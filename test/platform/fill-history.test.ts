import test from 'ava';
import { DAY_MS, localMidnight } from '../../domain/schedule.js';
import { PLATFORM_SERIES, SERIES } from '../../domain/series.js';
import { createLogger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { fillHistory } from '../../platform/fill-history.js';
import { coveredIntervals } from '../../rules/coverage.js';
import { withInfluxd } from '../helpers/influxd.js';
import { at } from '../rules/timeline.js';

const fixture = withInfluxd(test);
const logger = createLogger('test-fill', 'silent');
const registry = loadRegistryFile();
const stations = registry.stations.slice(0, 3);
const HEARTBEAT_MS = 5 * 60_000;

for (const local of ['2026-12-04T10:30:00', '2027-01-01T00:10:00']) {
  test(`history is filled from local midnight N days back to the given end, heartbeats as asked, and only the gap after a restart (now ${local})`, async (t) => {
    const influx = await fixture.connect(t);
    const now = at(local);
    const until = now - 3_600_000;
    const progress: number[] = [];
    const first = await fillHistory({
      influx,
      registry,
      stations,
      seed: 3,
      now,
      days: 2,
      until,
      heartbeatMs: HEARTBEAT_MS,
      logger,
      onProgress: (done) => progress.push(done),
    });
    t.truthy(first);
    t.is(first!.from, localMidnight(now) - 2 * DAY_MS);
    t.is(first!.rejected, 0);
    t.deepEqual(progress, [1, 2, 3]);
    // Every station has heartbeats every 5 minutes across the range (a Wi-Fi drop or outage may cut a few).
    const beats = await influx.query(`SELECT count("online") FROM "${SERIES.status.measurement}" WHERE time >= $from AND time < $to GROUP BY "station"`, {
      from: new Date(first!.from).toISOString(),
      to: new Date(until).toISOString(),
    });
    const expected = (until - first!.from) / HEARTBEAT_MS;
    t.is(beats.length, 3);
    for (const row of beats)
      t.true(Number(row.count) > expected * 0.9 && Number(row.count) <= expected + 5, `${String(row.station)}: ${String(row.count)} of ~${expected}`);
    const newest = await influx.query(`SELECT last("online") FROM "${SERIES.status.measurement}"`);
    t.true(Number(newest[0]!.time) < until);
    // The filled stretch is declared watched, so compliance judges it (and does not report it unwatched).
    const marks = (await influx.query(`SELECT "span_ms" FROM "${PLATFORM_SERIES.coverage.measurement}"`)).map((r) => ({
      end: Number(r.time),
      spanMs: Number(r.span_ms),
    }));
    t.deepEqual(coveredIntervals(marks, 0, until + DAY_MS), [[first!.from, until]]);
    // Restarted an hour later: only the new gap is written.
    const second = await fillHistory({ influx, registry, stations, seed: 3, now: now + 3_600_000, days: 2, until: now, heartbeatMs: HEARTBEAT_MS, logger });
    t.truthy(second);
    t.true(second!.from > until - HEARTBEAT_MS && second!.from <= until);
    t.is(await fillHistory({ influx, registry, stations, seed: 3, now: now + 3_600_000, days: 2, until: now, heartbeatMs: HEARTBEAT_MS, logger }), null);
  });
}

test('an abort stops the fill after the current station; what was written is kept', async (t) => {
  const influx = await fixture.connect(t);
  const now = at('2026-12-04T10:30:00');
  const abort = new AbortController();
  const result = await fillHistory({
    influx,
    registry,
    stations,
    seed: 3,
    now,
    days: 1,
    until: now,
    heartbeatMs: HEARTBEAT_MS,
    logger,
    signal: abort.signal,
    onProgress: () => abort.abort(),
  });
  const perStation = await influx.query(`SELECT count("online") FROM "${SERIES.status.measurement}" GROUP BY "station"`);
  t.deepEqual(
    perStation.map((r) => r.station),
    [stations[0]!.id],
  );
  t.deepEqual(await influx.query(`SELECT "span_ms" FROM "${PLATFORM_SERIES.coverage.measurement}"`), [], 'an aborted fill declares nothing watched');
  t.true(result!.points > 0);
});
