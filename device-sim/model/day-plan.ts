import { createRng, type Rng } from '../../domain/random.js';
import { DAY_MS, localDateOf, localMidnight, scheduledIntervals, type Interval } from '../../domain/schedule.js';
import type { Station } from '../../domain/station.js';
import type { StationProfile } from './profile.js';

// What one station actually does on one local day: when it is open for service and when its
// link or power is down. Each day is drawn from its own random stream keyed by (seed, station,
// date), so the plan does not depend on the simulation step, and the yearly compliance of a
// station can be recomputed from these intervals alone.

export interface DayPlan {
  /** Local midnight starting the day (UTC epoch ms). */
  day: number;
  /** Scheduled opening within the day. */
  scheduled: Interval[];
  /** Actually open for service within the day (before outages: an outage also makes it unreachable). */
  open: Interval[];
  /** Wi-Fi down: the station keeps sampling and sends late. */
  wifiDown: Interval[];
  /** Power cut: nothing runs, the station reboots afterwards. */
  powerDown: Interval[];
}

const MIN = 60_000;

function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rng.next(); p > limit; p *= rng.next()) k++;
  return k;
}

/** True when a closure of several days covers this day (a closure may have started up to 5 days ago). */
function inMultiDayClosure(seed: number, stationId: string, day: number): boolean {
  for (let back = 0; back <= 5; back++) {
    const rng = createRng(`closure:${seed}:${stationId}:${localDateOf(day - back * DAY_MS)}`);
    if (rng.chance(0.02) && rng.int(2, 5) > back) return true;
  }
  return false;
}

// When staff actually open and close: drawn per scheduled opening or closing instant (its own random
// stream), so a window crossing midnight is shifted at its real start or end whichever day's plan asks.
// A late opener closes on time and an early closer opens on time; the others keep within a few minutes.

function actualOpen(seed: number, stationId: string, profile: StationProfile, start: number): number {
  const rng = createRng(`open:${seed}:${stationId}:${start}`);
  switch (profile.behaviour) {
    case 'late_opener':
      return rng.chance(0.5) ? start + rng.int(30, 120) * MIN : start;
    case 'early_closer':
      return start;
    default:
      // Once in a while held up.
      return start + (rng.chance(0.015) ? rng.int(15, 60) : rng.int(-5, 3)) * MIN;
  }
}

function actualClose(seed: number, stationId: string, profile: StationProfile, end: number): number {
  const rng = createRng(`close:${seed}:${stationId}:${end}`);
  switch (profile.behaviour) {
    case 'early_closer':
      return rng.chance(0.5) ? end - rng.int(30, 120) * MIN : end;
    case 'late_opener':
      return end;
    default:
      return end + rng.int(-2, 5) * MIN;
  }
}

/**
 * The actual opening within [day, day + 1 day). The schedule is read a day either side, so a window
 * crossing midnight is shifted at its real start or end; an interval cut at that wider range is left as
 * scheduled there, since its real start or end lies a day away and no shift (at most 2 h) reaches this day.
 * A 24 h station has no start or end, except around its closed dates.
 */
function actualOpening(seed: number, station: Station, profile: StationProfile, day: number): Interval[] {
  const from = day - DAY_MS;
  const to = day + 2 * DAY_MS;
  return scheduledIntervals(station.openingHours, from, to).flatMap(([start, end]): Interval[] => {
    const open = Math.max(day, start > from ? actualOpen(seed, station.id, profile, start) : start);
    const close = Math.min(day + DAY_MS, end < to ? actualClose(seed, station.id, profile, end) : end);
    return open < close ? [[open, close]] : [];
  });
}

function outages(rng: Rng, day: number, perDay: number, minMin: number, maxMin: number): Interval[] {
  const n = poisson(rng, perDay);
  const list: Interval[] = [];
  for (let i = 0; i < n; i++) {
    const start = day + rng.int(0, 24 * 60 - 1) * MIN;
    // Mostly short, sometimes long: the square skews towards the lower bound.
    const minutes = minMin + (maxMin - minMin) * rng.next() ** 2;
    list.push([start, Math.min(start + Math.round(minutes * MIN), day + DAY_MS)]);
  }
  return list.sort((a, b) => a[0] - b[0]);
}

export function dayPlan(seed: number, station: Station, profile: StationProfile, t: number): DayPlan {
  const day = localMidnight(t);
  const rng = createRng(`day:${seed}:${station.id}:${localDateOf(day)}`);
  const scheduled = scheduledIntervals(station.openingHours, day, day + DAY_MS);
  const closed = profile.behaviour === 'closes_for_days' && inMultiDayClosure(seed, station.id, day);
  const open = closed ? [] : actualOpening(seed, station, profile, day);
  return {
    day,
    scheduled,
    open,
    wifiDown: outages(rng.fork('wifi'), day, profile.wifiDropsPerDay, 1, 10),
    powerDown: outages(rng.fork('power'), day, profile.powerOutagesPerDay, 10, 120),
  };
}

export const within = (intervals: readonly Interval[], t: number): boolean => intervals.some(([s, e]) => t >= s && t < e);
