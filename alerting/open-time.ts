import { localDateOf, midnightOfDate, type Schedule } from '../domain/schedule.js';
import type { Registry } from '../domain/registry.js';
import type { Station } from '../domain/station.js';
import type { Telemetry } from '../domain/telemetry.js';
import { rollupDay, type DailyRollup } from '../rules/compliance.js';
import { addSample, forgetBefore, newServingTracker, stationSignals, trackerFromSamples, type ServingTracker } from '../rules/serving.js';
import type { CoverageView } from './coverage-view.js';
import type { SampleReader } from './serving-samples.js';

// Today's open time of every station, kept live from telemetry and judged over the time the
// platform was watching (the coverage view): the partial day of the compliance figures, and
// yesterday's rollup at midnight until the cron's rollup from raw data replaces it.

export interface OpenTime {
  /** Folds a status or service message into its station's tracker (live or history of today). */
  record(message: Telemetry, station: Station): void;
  /** The station's rollup of the local day of `now`, up to `now`. */
  today(station: Station, now: number): DailyRollup;
  /** At the first call on a new local day: the finished day's rollups (then only the new day is tracked); otherwise none. */
  rollOver(now: number): DailyRollup[] | null;
  /** The local date tracked (the day of `now` once rollOver has seen it). */
  day(): string;
  /** Reads today so far afresh from the store: coverage and raw telemetry (after history of today arrived). */
  reread(now: number): Promise<void>;
}

/**
 * Today's open time so far, read from raw telemetry so a restart mid-day loses nothing.
 * `onlineAfterMs` is compliance's heartbeat tolerance (compliance.onlineAfterS); `hoursOf` the schedule
 * a station is judged by (approved closures and schedule changes applied), the same as the rollups'.
 */
export async function restoreOpenTime(
  registry: Registry,
  onlineAfterMs: number,
  read: SampleReader,
  coverage: CoverageView,
  now: number,
  hoursOf: (s: Station) => Schedule,
): Promise<OpenTime> {
  const trackers = new Map<string, ServingTracker>();
  let day = localDateOf(now);
  const reread = async (until: number): Promise<void> => {
    await coverage.load(midnightOfDate(day), until + 1);
    await read(midnightOfDate(day), until + 1, (s, samples) => trackers.set(s.id, trackerFromSamples(samples.open, samples.online, onlineAfterMs)));
  };
  await reread(now);

  const trackerOf = (s: Station): ServingTracker => {
    let t = trackers.get(s.id);
    if (!t) trackers.set(s.id, (t = newServingTracker(onlineAfterMs)));
    return t;
  };
  return {
    record(message, s) {
      const tracker = trackerOf(s);
      if (message.channel === 'status') addSample(tracker.online, { t: message.ts, on: message.data.online });
      if (message.channel === 'service') addSample(tracker.open, { t: message.ts, on: message.data.open });
    },
    today(s, now) {
      const date = localDateOf(now);
      const from = midnightOfDate(date);
      const tracker = trackers.get(s.id) ?? newServingTracker(onlineAfterMs);
      return rollupDay(s.id, s.district, hoursOf(s), stationSignals(tracker, coverage.judged(from, now), from, now), date, now);
    },
    rollOver(now) {
      const date = localDateOf(now);
      if (date === day) return null;
      const [from, to] = [midnightOfDate(day), midnightOfDate(date)];
      const covered = coverage.judged(from, to);
      const finished: DailyRollup[] = [];
      for (const s of registry.stations) {
        const t = trackers.get(s.id);
        if (!t) continue;
        finished.push(rollupDay(s.id, s.district, hoursOf(s), stationSignals(t, covered, from, to), day));
        forgetBefore(t.open, to);
        forgetBefore(t.online, to);
      }
      coverage.forgetBefore(to);
      day = date;
      return finished;
    },
    day: () => day,
    reread,
  };
}
