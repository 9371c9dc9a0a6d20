import { z } from 'zod';

// Opening schedules in Qingdao local time. China has used UTC+8 all year since 1991 (no DST),
// so local time is a fixed offset and schedule maths stays pure and exact.
export const TIMEZONE = 'Asia/Shanghai';
export const TZ_OFFSET_MS = 8 * 3600_000;
export const DAY_MS = 24 * 3600_000;

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const clock = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'expected HH:MM between 00:00 and 24:00');

/** One opening window; a close earlier than the open means the window runs past midnight. */
export const WindowSchema = z
  .object({ open: clock, close: clock })
  .refine((w) => w.open !== w.close, 'open and close must differ (use type "24h" for always open)');
export type Window = z.infer<typeof WindowSchema>;

const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

const closedDates = z.array(localDate).default([]).describe('Local dates (holidays, declared closure days) on which the station does not open');

/** Opening windows per weekday (a day left out has none). */
export const WeeklySchema = z.object(
  Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(WindowSchema).default([])])) as Record<Weekday, z.ZodDefault<z.ZodArray<typeof WindowSchema>>>,
);

export const OpeningHoursSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('24h'), closedDates }),
  z.object({ type: z.literal('weekly'), weekly: WeeklySchema, closedDates }),
]);
export type OpeningHours = z.infer<typeof OpeningHoursSchema>;

/** The hours in force on each local date (YYYY-MM-DD): approved closures and schedule changes applied (domain/schedule-requests.ts). */
export type ScheduleOf = (date: string) => OpeningHours;
/** One set of hours for every date, or the hours per date. */
export type Schedule = OpeningHours | ScheduleOf;

const hoursOn = (schedule: Schedule, date: string): OpeningHours => (typeof schedule === 'function' ? schedule(date) : schedule);

export type Interval = readonly [start: number, end: number];

const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** A window's open and close in minutes after the midnight it starts from (a close past midnight is > 24 h). */
function windowMinutes(w: Window): [open: number, close: number] {
  const open = minutes(w.open);
  const close = minutes(w.close);
  return [open, close <= open ? close + 24 * 60 : close];
}

/** UTC epoch ms of local midnight of the local day containing `t`. */
export function localMidnight(t: number): number {
  return Math.floor((t + TZ_OFFSET_MS) / DAY_MS) * DAY_MS - TZ_OFFSET_MS;
}

/** Local calendar date (YYYY-MM-DD) of instant `t`. */
export function localDateOf(t: number): string {
  return new Date(t + TZ_OFFSET_MS).toISOString().slice(0, 10);
}

/** UTC epoch ms of local midnight starting the given local date. */
export function midnightOfDate(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) - TZ_OFFSET_MS;
}

export function weekdayOf(t: number): Weekday {
  return WEEKDAYS[new Date(t + TZ_OFFSET_MS).getUTCDay()]!;
}

/** Local hour of day (0-23.99) of instant `t`. */
export function localHour(t: number): number {
  return ((t + TZ_OFFSET_MS) % DAY_MS) / 3600_000;
}

/** Windows that start on the local day beginning at `midnight`, by the hours in force that day. */
function windowsStartingOn(schedule: Schedule, midnight: number): Interval[] {
  const date = localDateOf(midnight);
  const hours = hoursOn(schedule, date);
  if (hours.closedDates.includes(date)) return [];
  if (hours.type === '24h') return [[midnight, midnight + DAY_MS]];
  return hours.weekly[weekdayOf(midnight)].map((w) => {
    const [open, close] = windowMinutes(w);
    return [midnight + open * 60_000, midnight + close * 60_000] as const;
  });
}

/** Scheduled opening intervals overlapping [from, to), clipped to it, sorted and merged. */
export function scheduledIntervals(hours: Schedule, from: number, to: number): Interval[] {
  const raw: Interval[] = [];
  // Start a day early: a window opened yesterday evening may run past midnight into `from`.
  for (let day = localMidnight(from) - DAY_MS; day < to; day += DAY_MS) {
    for (const [s, e] of windowsStartingOn(hours, day)) {
      const start = Math.max(s, from);
      const end = Math.min(e, to);
      if (start < end) raw.push([start, end]);
    }
  }
  raw.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [s, e] of raw) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

/** The same schedule with no closed dates: what the weekly hours alone would have scheduled. */
export function withoutClosedDates(schedule: Schedule): Schedule {
  return typeof schedule === 'function' ? (date) => ({ ...schedule(date), closedDates: [] }) : { ...schedule, closedDates: [] };
}

export function isScheduledOpen(hours: Schedule, t: number): boolean {
  return scheduledIntervals(hours, t, t + 1).length > 0;
}

/** Opening hours without their closed dates (what a schedule change requests). */
export type WeekHours = { type: '24h' } | { type: 'weekly'; weekly: Record<Weekday, Window[]> };

/** Scheduled hours of one week of `hours`, closed dates aside (24 h: 168). */
export function weeklyHours(hours: WeekHours): number {
  if (hours.type === '24h') return 168;
  let min = 0;
  for (const day of WEEKDAYS)
    for (const w of hours.weekly[day]) {
      const [open, close] = windowMinutes(w);
      min += close - open;
    }
  return min / 60;
}

export function totalMs(intervals: readonly Interval[]): number {
  return intervals.reduce((sum, [s, e]) => sum + (e - s), 0);
}

/** Length of the overlap of two sorted, merged interval lists. */
export function overlapMs(a: readonly Interval[], b: readonly Interval[]): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  while (i < a.length && j < b.length) {
    const [as, ae] = a[i]!;
    const [bs, be] = b[j]!;
    const s = Math.max(as, bs);
    const e = Math.min(ae, be);
    if (s < e) sum += e - s;
    if (ae < be) i++;
    else j++;
  }
  return sum;
}
