import test from 'ava';
import { DAY_MS, localDateOf, localMidnight } from '../../domain/schedule.js';
import { PLATFORM_SERIES, SERIES } from '../../domain/series.js';
import { createLogger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { createInfluxStore } from '../../alerting/influx-store.js';
import { backfillMessages } from '../../device-sim/backfill.js';
import type { StatusPayload } from '../../domain/telemetry.js';
import { fillHistory, HISTORY_STEP_MS } from '../../platform/fill-history.js';
import { rollupDay } from '../../rules/compliance.js';
import { stationSignals, trackerFromSamples, type Sample } from '../../rules/serving.js';
import { coveredIntervals } from '../../rules/coverage.js';
import { withInfluxd } from '../helpers/influxd.js';
import { at } from '../rules/timeline.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const fixture = withInfluxd(test);
const logger = createLogger('test-fill', 'silent');
const registry = loadRegistryFile();
const stations = registry.stations.slice(0, 3);
const HEARTBEAT_MS = 60_000;
const STALE_MS = 90_000;

for (const local of ['2026-12-04T10:30:00', '2027-01-01T00:10:00']) {
  test(`history is filled from local midnight N days back to the given end, audits to the figures of every heartbeat, and only the gap after a restart (now ${local})`, async (t) => {
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
      staleMs: STALE_MS,
      logger,
      onProgress: (done) => progress.push(done),
    });
    t.truthy(first);
    t.is(first!.from, localMidnight(now) - 2 * DAY_MS);
    t.is(first!.rejected, 0);
    t.deepEqual(progress, [1, 2, 3]);
    // An audit from the stored points — held heartbeat runs, read as compliance reads them —
    // gives each day exactly the figures of the stations' every 60 s heartbeat.
    const store = createInfluxStore({ influx, logger, spoolDir: scratchDir('fill-audit-') });
    let offline = 0;
    for (const station of stations) {
      const every = [
        ...backfillMessages({
          station,
          seed: 3,
          from: first!.from,
          to: until,
          timing: { stepMs: HISTORY_STEP_MS, heartbeatMs: HEARTBEAT_MS, sampleMs: 3_600_000 },
          channels: ['status', 'service', 'occupancy'],
        }),
      ];
      const open = every.filter((m) => m.channel === 'service').map((m) => ({ t: m.ts, on: (m.payload as { open: boolean }).open }));
      const online = every.filter((m) => m.channel === 'status').map((m) => ({ t: m.ts, on: (m.payload as StatusPayload).online }));
      for (let day = first!.from; day < until; day += DAY_MS) {
        const end = Math.min(day + DAY_MS, until);
        const stored = await store.loadServingSamples(station.id, day, end, STALE_MS);
        const judge = (o: readonly Sample[], s: readonly Sample[]) =>
          rollupDay(
            station.id,
            station.district,
            station.openingHours,
            stationSignals(trackerFromSamples(o, s, STALE_MS), [[first!.from, until]], day, end),
            localDateOf(day),
            until,
          );
        const audited = judge(stored.open, stored.online);
        t.deepEqual(audited, judge(open, online), `${station.id} ${localDateOf(day)}`);
        offline += audited.offlineMs;
      }
      const points = await influx.query(`SELECT count("online") FROM "${SERIES.status.measurement}" WHERE "station" = $station`, { station: station.id });
      const heartbeats = online.length;
      t.true(Number(points[0]!.count) * 30 < heartbeats, `${station.id}: ${String(points[0]!.count)} status points for ${heartbeats} heartbeats`);
    }
    t.log(`offline time audited: ${Math.round(offline / 60_000)} min`);
    const newest = await influx.query(`SELECT last("online") FROM "${SERIES.status.measurement}"`);
    t.true(Number(newest[0]!.time) < until);
    // The filled stretch is declared watched, so compliance judges it (and does not report it unwatched).
    const marks = (await influx.query(`SELECT "span_ms" FROM "${PLATFORM_SERIES.coverage.measurement}"`)).map((r) => ({
      end: Number(r.time),
      spanMs: Number(r.span_ms),
    }));
    t.true(first!.to >= until - HISTORY_STEP_MS && first!.to < until, 'the history ends at the model’s last step');
    t.deepEqual(coveredIntervals(marks, 0, until + DAY_MS), [[first!.from, first!.to]]);
    // Restarted an hour later, twice: the first writes only the new gap, the second nothing.
    const restart = () =>
      fillHistory({
        influx,
        registry,
        stations,
        seed: 3,
        now: now + 3_600_000,
        days: 2,
        until: now,
        heartbeatMs: HEARTBEAT_MS,
        staleMs: STALE_MS,
        logger,
      });
    const second = await restart();
    t.truthy(second);
    t.true(second!.from > first!.to - HEARTBEAT_MS && second!.from <= first!.to + 1, `${second!.from - first!.to}`);
    t.is(await restart(), null);
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
    staleMs: STALE_MS,
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
