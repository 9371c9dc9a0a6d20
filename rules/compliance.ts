import type { ComplianceTime } from '../domain/alerts.js';
import type { DistrictCode } from '../domain/districts.js';
import { DAY_MS, localDateOf, midnightOfDate, scheduledIntervals, totalMs, withoutClosedDates, type Schedule } from '../domain/schedule.js';
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

/**
 * Where one station's scheduled time went on one local day (up to `until` for the day in progress).
 * `hours` may differ per date (approved closures and schedule changes): the caller passes the
 * schedule in force, this stays pure.
 */
export function rollupDay(stationId: string, district: DistrictCode, hours: Schedule, signals: StationSignals, date: string, until = Infinity): DailyRollup {
  const from = midnightOfDate(date);
  const to = Math.min(from + DAY_MS, until);
  const planned = scheduledIntervals(hours, from, to);
  const watched = intersect(planned, signals.covered);
  const online = intersect(watched, signals.online);
  const openMs = totalMs(intersect(online, signals.open));
  const onlineMs = totalMs(online);
  const watchedMs = totalMs(watched);
  const plannedMs = totalMs(planned);
  const weekly = typeof hours === 'function' || hours.closedDates.length > 0 ? totalMs(scheduledIntervals(withoutClosedDates(hours), from, to)) : plannedMs;
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
  for (const p of parts) addTime(sum, p);
  return sum;
}

function addTime(sum: ComplianceTime, p: ComplianceTime): void {
  for (const k of Object.keys(NO_TIME) as Array<keyof ComplianceTime>) sum[k] += p[k];
}

/** Open-compliance of pooled time: Σopen ÷ Σwatched scheduled. */
export const complianceOf = (t: ComplianceTime): number | null => ratio(t.openMs, t.scheduledMs);

/** Share of the scheduled time the platform was watching. */
export const coverageOf = (t: ComplianceTime): number | null => ratio(t.scheduledMs, t.scheduledMs + t.uncoveredMs);

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
 * What the days before today contribute to the rolling figures (pooled time, with the not-open
 * split and the unwatched time): fixed until the next rollup or the next local day, so a caller can
 * keep it and add only the live day (figuresWithToday).
 */
export interface PastTotals {
  /** The local date these are "before". */
  today: string;
  /** The days of the rolling window before today (the window ends with today). */
  window: ComplianceTime;
  /** Since 1 January, before today. */
  year: ComplianceTime;
  /** The rolling window over complete days only: the `windowDays` days before today. */
  complete: ComplianceTime;
  /** How many of those complete days had watched scheduled time. */
  completeDays: number;
}

export function pastTotals(rollups: readonly DailyRollup[], now: number, windowDays: number): PastTotals {
  const today = localDateOf(now);
  const windowFrom = localDateOf(now - (windowDays - 1) * DAY_MS);
  const yearFrom = `${today.slice(0, 4)}-01-01`;
  const completeFrom = localDateOf(now - windowDays * DAY_MS);
  const out: PastTotals = { today, window: { ...NO_TIME }, year: { ...NO_TIME }, complete: { ...NO_TIME }, completeDays: 0 };
  for (const r of rollups) {
    if (r.date >= today) continue;
    if (r.date >= windowFrom) addTime(out.window, r);
    if (r.date >= yearFrom) addTime(out.year, r);
    if (r.date >= completeFrom) {
      addTime(out.complete, r);
      if (r.scheduledMs > 0) out.completeDays++;
    }
  }
  return out;
}

/**
 * Rolling figures at `now`: the last `windowDays` local days (today so far included), and the
 * year to date including today. `today` is the live partial day (null before it has any schedule).
 */
export function complianceFigures(rollups: readonly DailyRollup[], today: DailyRollup | null, now: number, windowDays: number): ComplianceFigures {
  return figuresWithToday(pastTotals(rollups, now, windowDays), today);
}

/** The same from past totals kept since the last rollup (on the same local day) and the live day. */
export function figuresWithToday(past: PastTotals, today: DailyRollup | null): ComplianceFigures {
  const withToday = (t: ComplianceTime): ComplianceTime => pooledTime(today ? [t, today] : [t]);
  const last30 = withToday(past.window);
  const ytd = withToday(past.year);
  return {
    last30Days: complianceOf(last30),
    yearToDate: complianceOf(ytd),
    completeWindow: complianceOf(past.complete),
    completeDays: past.completeDays,
    time: { last30Days: last30, yearToDate: ytd },
  };
}
