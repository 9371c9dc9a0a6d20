import type { DistrictCode } from '../domain/districts.js';
import { DAY_MS, localDateOf, midnightOfDate, overlapMs, scheduledIntervals, totalMs, type Interval, type OpeningHours } from '../domain/schedule.js';

// 常年正常开放: open time within the schedule ÷ scheduled time, per local day, and summed
// over windows (rolling N days, year to date) as Σopen ÷ Σscheduled — a day with a short
// schedule weighs less than a full one.

export interface DailyRollup {
  stationId: string;
  district: DistrictCode;
  /** Local date, YYYY-MM-DD (Asia/Shanghai). */
  date: string;
  scheduledMs: number;
  openMs: number;
}

/** Scheduled and open time of one station on one local day (up to `until` for the day in progress), from its serving intervals. */
export function rollupDay(stationId: string, district: DistrictCode, hours: OpeningHours, serving: readonly Interval[], date: string, until = Infinity): DailyRollup {
  const from = midnightOfDate(date);
  const scheduled = scheduledIntervals(hours, from, Math.min(from + DAY_MS, until));
  return { stationId, district, date, scheduledMs: totalMs(scheduled), openMs: overlapMs(scheduled, serving) };
}

export const ratio = (openMs: number, scheduledMs: number): number | null => (scheduledMs > 0 ? openMs / scheduledMs : null);

export interface ComplianceFigures {
  last30Days: number | null;
  yearToDate: number | null;
  /** The rolling window over complete days only (today excluded), and how many of them had a schedule. */
  completeWindow: number | null;
  completeDays: number;
}

/** Σopen and Σscheduled of some days. */
export interface Totals {
  openMs: number;
  scheduledMs: number;
}

/**
 * What the days before today contribute to the rolling figures: fixed until the next rollup or
 * the next local day, so a caller can keep it and add only the live day (complianceFigures).
 */
export interface PastTotals {
  /** The local date these are "before". */
  today: string;
  /** The days of the rolling window before today (the window ends with today). */
  window: Totals;
  /** Since 1 January, before today. */
  year: Totals;
  /** The rolling window over complete days only: the `windowDays` days before today. */
  complete: Totals;
  /** How many of those complete days had a schedule. */
  completeDays: number;
}

export function pastTotals(rollups: readonly DailyRollup[], now: number, windowDays: number): PastTotals {
  const today = localDateOf(now);
  const windowFrom = localDateOf(now - (windowDays - 1) * DAY_MS);
  const yearFrom = `${today.slice(0, 4)}-01-01`;
  const completeFrom = localDateOf(now - windowDays * DAY_MS);
  const out: PastTotals = { today, window: { openMs: 0, scheduledMs: 0 }, year: { openMs: 0, scheduledMs: 0 }, complete: { openMs: 0, scheduledMs: 0 }, completeDays: 0 };
  const add = (t: Totals, r: DailyRollup): void => {
    t.openMs += r.openMs;
    t.scheduledMs += r.scheduledMs;
  };
  for (const r of rollups) {
    if (r.date >= today) continue;
    if (r.date >= windowFrom) add(out.window, r);
    if (r.date >= yearFrom) add(out.year, r);
    if (r.date >= completeFrom) {
      add(out.complete, r);
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
  const withToday = (t: Totals): number | null => ratio(t.openMs + (today?.openMs ?? 0), t.scheduledMs + (today?.scheduledMs ?? 0));
  return {
    last30Days: withToday(past.window),
    yearToDate: withToday(past.year),
    completeWindow: ratio(past.complete.openMs, past.complete.scheduledMs),
    completeDays: past.completeDays,
  };
}
