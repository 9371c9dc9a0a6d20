import { DAY_MS, midnightOfDate, weeklyHours, type OpeningHours, type ScheduleOf, type WeekHours } from './schedule.js';

// Declared closures and schedule changes (issue 11 item 4): a district maintainer asks, city staff
// approve or reject, the maintainer who asked may withdraw while it is pending. Only approved ones
// change a station's schedule, and only from their own dates on: the past keeps the hours it had.

export const SCHEDULE_REQUEST_STATES = ['pending', 'approved', 'rejected', 'withdrawn'] as const;
export type ScheduleRequestState = (typeof SCHEDULE_REQUEST_STATES)[number];

/** Why a station closes: 装修 / 停电 / 节假日 / 其他. */
export const CLOSURE_REASONS = ['renovation', 'power_cut', 'holiday', 'other'] as const;
export type ClosureReason = (typeof CLOSURE_REASONS)[number];
export const CLOSURE_REASON_ZH: Record<ClosureReason, string> = { renovation: '装修', power_cut: '停电', holiday: '节假日', other: '其他' };

export const SCHEDULE_REQUEST_STEPS = {
  withdraw: { from: ['pending'], to: 'withdrawn', role: 'district-maintainer' },
  approve: { from: ['pending'], to: 'approved', role: 'city-admin' },
  reject: { from: ['pending'], to: 'rejected', role: 'city-admin' },
} as const satisfies Record<string, { from: readonly ScheduleRequestState[]; to: ScheduleRequestState; role: string }>;
export type ScheduleRequestStep = keyof typeof SCHEDULE_REQUEST_STEPS;

/** What a request changes: closed on the local dates from..to (inclusive), or new weekly hours from a date on. */
export type ScheduleChange =
  | { kind: 'closure'; from: string; to: string; reason: ClosureReason }
  | { kind: 'schedule'; effectiveFrom: string; hours: WeekHours };

/** A request of one station; `seq` orders two changes from the same date (the later request wins). */
export type RequestedChange = ScheduleChange & { seq: number; state: ScheduleRequestState };

/**
 * The hours in force on each date: the registry's, replaced by the newest approved schedule change
 * effective on or before the date (the registry's closed dates kept), and closed on the dates of an
 * approved closure (declared closure, not scheduled). Pending, rejected and withdrawn requests change nothing.
 */
export function effectiveSchedule(base: OpeningHours, requests: readonly RequestedChange[]): ScheduleOf {
  const approved = requests.filter((r) => r.state === 'approved');
  const changes = approved
    .filter((c): c is Extract<RequestedChange, { kind: 'schedule' }> => c.kind === 'schedule')
    .sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom) || a.seq - b.seq);
  const closures = approved.filter((c): c is Extract<RequestedChange, { kind: 'closure' }> => c.kind === 'closure');
  return (date) => {
    let hours = base;
    for (const c of changes) if (c.effectiveFrom <= date) hours = { ...c.hours, closedDates: base.closedDates } as OpeningHours;
    return closures.some((c) => c.from <= date && date <= c.to) ? { ...hours, closedDates: [...hours.closedDates, date] } : hours;
  };
}

/** The limits city staff set on requests (dashboard config). */
export interface ScheduleLimits {
  /** A schedule change may not open the station fewer hours a week. */
  minWeeklyOpenHours: number;
  /** Declared-closure days per station and calendar year, approved and pending together. */
  maxClosureDaysPerYear: number;
}

/** Days of the closure from..to (inclusive) that fall in `year`. */
export function closureDaysIn(c: { from: string; to: string }, year: number): number {
  const from = c.from > `${year}-01-01` ? c.from : `${year}-01-01`;
  const to = c.to < `${year}-12-31` ? c.to : `${year}-12-31`;
  return from > to ? 0 : Math.round((midnightOfDate(to) - midnightOfDate(from)) / DAY_MS) + 1;
}

export interface LimitBreach {
  limit: 'min_weekly_open_hours' | 'max_closure_days_per_year';
  messageZh: string;
  messageEn: string;
}

/**
 * The limit `change` would break, or null. `otherClosures`: the station's other approved and pending
 * closures (a closure spanning New Year is counted in each year it touches).
 */
export function limitBreach(change: ScheduleChange, otherClosures: ReadonlyArray<{ from: string; to: string }>, limits: ScheduleLimits): LimitBreach | null {
  if (change.kind === 'schedule') {
    const hours = weeklyHours(change.hours);
    if (hours >= limits.minWeeklyOpenHours) return null;
    return {
      limit: 'min_weekly_open_hours',
      messageZh: `每周开放 ${hours} 小时，低于每周最少开放时长 ${limits.minWeeklyOpenHours} 小时`,
      messageEn: `${hours} h open a week is below the minimum weekly open hours (${limits.minWeeklyOpenHours} h)`,
    };
  }
  for (let year = Number(change.from.slice(0, 4)); year <= Number(change.to.slice(0, 4)); year++) {
    const days = [change, ...otherClosures].reduce((sum, c) => sum + closureDaysIn(c, year), 0);
    if (days > limits.maxClosureDaysPerYear)
      return {
        limit: 'max_closure_days_per_year',
        messageZh: `${year} 年申报闭站共 ${days} 天（含已批准和待审批），超过每站每年最多 ${limits.maxClosureDaysPerYear} 天`,
        messageEn: `${days} declared-closure days in ${year} (approved and pending included) exceed the maximum of ${limits.maxClosureDaysPerYear} per station and year`,
      };
  }
  return null;
}
