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

/** Compliance over the rollups whose date lies in [fromDate, toDate] (inclusive, YYYY-MM-DD compares as text). */
export function windowCompliance(rollups: Iterable<DailyRollup>, fromDate: string, toDate: string): number | null {
  let open = 0;
  let scheduled = 0;
  for (const r of rollups) {
    if (r.date >= fromDate && r.date <= toDate) {
      open += r.openMs;
      scheduled += r.scheduledMs;
    }
  }
  return ratio(open, scheduled);
}

export interface ComplianceFigures {
  last30Days: number | null;
  yearToDate: number | null;
  /** The rolling window over complete days only (today excluded), and how many of them had a schedule. */
  completeWindow: number | null;
  completeDays: number;
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
  return {
    last30Days: windowCompliance(all, localDateOf(now - (windowDays - 1) * DAY_MS), todayDate),
    yearToDate: windowCompliance(all, `${todayDate.slice(0, 4)}-01-01`, todayDate),
    completeWindow: windowCompliance(past, windowStart, yesterday),
    completeDays: past.filter((r) => r.date >= windowStart && r.date <= yesterday && r.scheduledMs > 0).length,
  };
}
