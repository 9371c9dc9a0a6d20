import { localDateOf, midnightOfDate } from '../domain/schedule.js';
import type { Registry } from '../domain/registry.js';
import type { Station } from '../domain/station.js';
import type { Telemetry } from '../domain/telemetry.js';
import { rollupDay, type DailyRollup } from '../rules/compliance.js';
import { addSample, forgetBefore, newServingTracker, servingIntervals, trackerFromSamples, type ServingTracker } from '../rules/serving.js';
import type { SampleReader } from './serving-samples.js';

// Today's open time of every station, kept live from telemetry: the partial day of the
// compliance figures, and yesterday's rollup at midnight until the cron's rollup from raw data
// replaces it.

export interface OpenTime {
  /** Folds a status or service message into its station's tracker. */
  record(message: Telemetry, station: Station): void;
  /** The station's rollup of the local day of `now`, up to `now`. */
  today(station: Station, now: number): DailyRollup;
  /** At the first call on a new local day: the finished day's rollups (then only the new day is tracked); otherwise none. */
  rollOver(now: number): DailyRollup[] | null;
}

/** Today's open time so far, read from raw telemetry so a restart mid-day loses nothing. */
export async function restoreOpenTime(registry: Registry, staleMs: ReadonlyMap<string, number>, read: SampleReader, now: number): Promise<OpenTime> {
  const trackers = new Map<string, ServingTracker>();
  let day = localDateOf(now);
  await read(midnightOfDate(day), now + 1, (s, samples) => trackers.set(s.id, trackerFromSamples(samples.open, samples.online, staleMs.get(s.id)!)));

  const trackerOf = (s: Station): ServingTracker => {
    let t = trackers.get(s.id);
    if (!t) trackers.set(s.id, (t = newServingTracker(staleMs.get(s.id)!)));
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
      const tracker = trackers.get(s.id) ?? newServingTracker(staleMs.get(s.id)!);
      return rollupDay(s.id, s.district, s.openingHours, servingIntervals(tracker, midnightOfDate(date), now), date, now);
    },
    rollOver(now) {
      const date = localDateOf(now);
      if (date === day) return null;
      const finished: DailyRollup[] = [];
      for (const s of registry.stations) {
        const t = trackers.get(s.id);
        if (!t) continue;
        finished.push(rollupDay(s.id, s.district, s.openingHours, servingIntervals(t, midnightOfDate(day), midnightOfDate(date)), day));
        forgetBefore(t.open, midnightOfDate(date));
        forgetBefore(t.online, midnightOfDate(date));
      }
      day = date;
      return finished;
    },
  };
}
