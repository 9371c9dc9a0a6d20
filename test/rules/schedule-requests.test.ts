import test from 'ava';
import { closureDaysIn, effectiveSchedule, limitBreach, type RequestedChange } from '../../domain/schedule-requests.js';
import { midnightOfDate, weeklyHours, type WeekHours } from '../../domain/schedule.js';
import { rollupDay } from '../../rules/compliance.js';
import type { StationSignals } from '../../rules/serving.js';
import { at, daily, H } from './timeline.js';

// Declared closures and schedule changes (issue 11 item 4), pure: the schedule in force per date,
// and what an approved one does to a day's compliance. The alerting service passes this schedule to
// rollupDay for the live day, the midnight roll-over and the rollups from raw data alike.

const base = daily([['08:00', '20:00']]);
const short: WeekHours = { type: 'weekly', weekly: { sun: [], mon: [{ open: '09:00', close: '17:00' }], tue: [], wed: [], thu: [], fri: [], sat: [] } };
const closure = (state: RequestedChange['state'], from = '2026-05-06', to = '2026-05-07'): RequestedChange => ({
  kind: 'closure',
  from,
  to,
  reason: 'renovation',
  seq: 1,
  state,
});
const change = (state: RequestedChange['state'], effectiveFrom = '2026-05-06', seq = 2, hours: WeekHours = { type: '24h' }): RequestedChange => ({
  kind: 'schedule',
  effectiveFrom,
  hours,
  seq,
  state,
});

/** Online all day, saying closed 08:00-12:00 and offline 12:00-20:00 of the day, watched all along. */
const signals = (day: string): StationSignals => ({
  open: [],
  online: [[midnightOfDate(day), at(`${day}T12:00:00`)]],
  covered: [[midnightOfDate(day) - 24 * H, midnightOfDate(day) + 48 * H]],
});

test('the schedule in force per date: an approved closure closes its dates, a schedule change applies from its date on', (t) => {
  const hours = effectiveSchedule(base, [closure('approved'), change('approved', '2026-05-10')]);
  t.deepEqual(hours('2026-05-05'), base);
  t.deepEqual(hours('2026-05-06').closedDates, ['2026-05-06']);
  t.deepEqual(hours('2026-05-07').closedDates, ['2026-05-07']);
  t.deepEqual(hours('2026-05-08'), base);
  t.deepEqual(hours('2026-05-09'), base, 'the day before the change keeps the old hours');
  t.like(hours('2026-05-10'), { type: '24h', closedDates: [] });
  t.like(hours('2027-01-01'), { type: '24h' });
});

test('two approved schedule changes: the newest effective one rules; on the same date the later request wins', (t) => {
  const hours = effectiveSchedule(base, [change('approved', '2026-06-01', 5, short), change('approved', '2026-05-10', 2), change('approved', '2026-06-01', 3)]);
  t.like(hours('2026-05-20'), { type: '24h' });
  t.like(hours('2026-06-02'), { type: 'weekly', weekly: short.type === 'weekly' ? short.weekly : {} });
});

test('pending, rejected and withdrawn requests change nothing', (t) => {
  for (const state of ['pending', 'rejected', 'withdrawn'] as const) {
    const hours = effectiveSchedule(base, [closure(state), change(state)]);
    t.deepEqual(hours('2026-05-06'), base, state);
    const day = rollupDay('SN-0001', 'SN', hours, signals('2026-05-06'), '2026-05-06');
    t.is(day.declaredClosedMs, 0, state);
    t.is(day.scheduledMs, 12 * H, state);
  }
});

test('an approved closure moves the day’s time from reported closed and offline to declared closure', (t) => {
  const before = rollupDay('SN-0001', 'SN', base, signals('2026-05-06'), '2026-05-06');
  t.like(before, { scheduledMs: 12 * H, openMs: 0, closedMs: 4 * H, offlineMs: 8 * H, declaredClosedMs: 0 });
  const after = rollupDay('SN-0001', 'SN', effectiveSchedule(base, [closure('approved')]), signals('2026-05-06'), '2026-05-06');
  t.like(after, { scheduledMs: 0, openMs: 0, closedMs: 0, offlineMs: 0, uncoveredMs: 0, declaredClosedMs: 12 * H });
});

test('a schedule change does not alter the days before its effective date', (t) => {
  const hours = effectiveSchedule(base, [change('approved', '2026-05-07')]);
  for (const day of ['2026-05-05', '2026-05-06'])
    t.deepEqual(rollupDay('SN-0001', 'SN', hours, signals(day), day), rollupDay('SN-0001', 'SN', base, signals(day), day), day);
  // From its date on the station is scheduled all day: 24 h, of which 12 online (saying closed) and 12 offline.
  t.like(rollupDay('SN-0001', 'SN', hours, signals('2026-05-07'), '2026-05-07'), { scheduledMs: 24 * H, closedMs: 12 * H, offlineMs: 12 * H });
});

test('limits: weekly open hours of a change, declared-closure days per station and year (approved and pending counted)', (t) => {
  const limits = { minWeeklyOpenHours: 56, maxClosureDaysPerYear: 10 };
  t.is(weeklyHours(short), 8);
  t.is(weeklyHours({ type: '24h' }), 168);
  t.like(limitBreach({ kind: 'schedule', effectiveFrom: '2026-05-10', hours: short }, [], limits), { limit: 'min_weekly_open_hours' });
  t.regex(limitBreach({ kind: 'schedule', effectiveFrom: '2026-05-10', hours: short }, [], limits)!.messageZh, /每周最少开放时长 56 小时/);
  t.is(limitBreach({ kind: 'schedule', effectiveFrom: '2026-05-10', hours: { type: '24h' } }, [], limits), null);

  t.is(closureDaysIn({ from: '2026-12-30', to: '2027-01-02' }, 2026), 2);
  t.is(closureDaysIn({ from: '2026-12-30', to: '2027-01-02' }, 2027), 2);
  const asked = { kind: 'closure', from: '2026-05-01', to: '2026-05-05', reason: 'holiday' } as const;
  t.is(limitBreach(asked, [{ from: '2026-03-01', to: '2026-03-05' }], limits), null, '5 + 5 = 10 days');
  const breach = limitBreach(asked, [{ from: '2026-03-01', to: '2026-03-06' }], limits);
  t.like(breach, { limit: 'max_closure_days_per_year' });
  t.regex(breach!.messageEn, /11 declared-closure days in 2026 .* maximum of 10/);
  t.is(limitBreach(asked, [{ from: '2025-03-01', to: '2025-03-20' }], limits), null, 'another year’s closures do not count');
});
