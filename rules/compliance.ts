import type { ComplianceTime } from '../domain/alerts.js';
import type { DistrictCode } from '../domain/districts.js';
import { DAY_MS, localDateOf, midnightOfDate, scheduledIntervals, totalMs, type OpeningHours } from '../domain/schedule.js';
import { intersect, subtract, type StationSignals } from './serving.js';

// 常年正常开放: open time within the schedule ÷ scheduled time, per local day, and summed
// over windows (rolling N days, year to date) as Σopen ÷ Σscheduled — a day with a short
// schedule weighs less than a full one, and a district pools its stations' time the same way.
// Only time the platform was watching (rules/coverage.ts) is judged; the rest is reported apart.

export interface DailyRollup extends ComplianceTime {
  stationId: string;
  district: DistrictCode;
  /** Local date, YYYY-MM-DD (Asia/Shanghai). */
  date: string;
}

/** Where one station's scheduled time went on one local day (up to `until` for the day in progress). */
export function rollupDay(stationId: string, district: DistrictCode, hours: OpeningHours, signals: StationSignals, date: string, until = Infinity): DailyRollup {
  const from = midnightOfDate(date);
  const to = Math.min(from + DAY_MS, until);
  const planned = scheduledIntervals(hours, from, to);
  const watched = intersect(planned, signals.covered);
  const online = intersect(watched, signals.online);
  const openMs = totalMs(intersect(online, signals.open));
  const onlineMs = totalMs(online);
  const watchedMs = totalMs(watched);
  const plannedMs = totalMs(planned);
  const weekly = hours.closedDates.length > 0 ? totalMs(scheduledIntervals({ ...hours, closedDates: [] }, from, to)) : plannedMs;
  return {
    stationId,
    district,
    date,
    scheduledMs: watchedMs,
    openMs,
    closedMs: onlineMs - openMs,
    offlineMs: watchedMs - onlineMs,
    uncoveredMs: totalMs(subtract(planned, signals.covered)),
    declaredClosedMs: weekly - plannedMs,
  };
}

export const ratio = (openMs: number, scheduledMs: number): number | null => (scheduledMs > 0 ? openMs / scheduledMs : null);

export const NO_TIME: ComplianceTime = { scheduledMs: 0, openMs: 0, closedMs: 0, offlineMs: 0, uncoveredMs: 0, declaredClosedMs: 0 };

/** Time summed over days or stations: the one way a window or a district is figured (pooled time). */
export function pooledTime(parts: Iterable<ComplianceTime>): ComplianceTime {
  const sum = { ...NO_TIME };
  for (const p of parts) for (const k of Object.keys(sum) as Array<keyof ComplianceTime>) sum[k] += p[k];
  return sum;
}

/** Open-compliance of pooled time: Σopen ÷ Σwatched scheduled. */
export const complianceOf = (t: ComplianceTime): number | null => ratio(t.openMs, t.scheduledMs);

/** Share of the scheduled time the platform was watching. */
export const coverageOf = (t: ComplianceTime): number | null => ratio(t.scheduledMs, t.scheduledMs + t.uncoveredMs);

const inWindow = (rollups: Iterable<DailyRollup>, fromDate: string, toDate: string): DailyRollup[] => [...rollups].filter((r) => r.date >= fromDate && r.date <= toDate);

/** Compliance over the rollups whose date lies in [fromDate, toDate] (inclusive, YYYY-MM-DD compares as text). */
export const windowCompliance = (rollups: Iterable<DailyRollup>, fromDate: string, toDate: string): number | null =>
  complianceOf(pooledTime(inWindow(rollups, fromDate, toDate)));

export interface ComplianceFigures {
  last30Days: number | null;
  yearToDate: number | null;
  /** The rolling window over complete days only (today excluded), and how many of them had watched scheduled time. */
  completeWindow: number | null;
  completeDays: number;
  /** The pooled time behind the figures. */
  time: { last30Days: ComplianceTime; yearToDate: ComplianceTime };
}

/**
 * Rolling figures at `now`: the last `windowDays` local days (today so far included), and the
 * year to date including today. `today` is the live partial day (null before it has any schedule).
 */
export function complianceFigures(rollups: readonly DailyRollup[], today: DailyRollup | null, now: number, windowDays: number): ComplianceFigures {
  const todayDate = localDateOf(now);
  const past = rollups.filter((r) => r.date !== todayDate);
  const all = today ? [...past, today] : past;
  const yesterday = localDateOf(now - DAY_MS);
  const windowStart = localDateOf(now - windowDays * DAY_MS);
  const last30 = pooledTime(inWindow(all, localDateOf(now - (windowDays - 1) * DAY_MS), todayDate));
  const ytd = pooledTime(inWindow(all, `${todayDate.slice(0, 4)}-01-01`, todayDate));
  const complete = inWindow(past, windowStart, yesterday);
  return {
    last30Days: complianceOf(last30),
    yearToDate: complianceOf(ytd),
    completeWindow: complianceOf(pooledTime(complete)),
    completeDays: complete.filter((r) => r.scheduledMs > 0).length,
    time: { last30Days: last30, yearToDate: ytd },
  };
}
