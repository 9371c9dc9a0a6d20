import test from 'ava';
import {
  isScheduledOpen,
  localDateOf,
  midnightOfDate,
  overlapMs,
  scheduledIntervals,
  totalMs,
  OpeningHoursSchema,
  type OpeningHours,
} from '../../domain/schedule.js';

const H = 3600_000;
const at = (local: string): number => Date.parse(`${local}+08:00`);
const everyDay = (windows: Array<[string, string]>, closedDates: string[] = []): OpeningHours =>
  OpeningHoursSchema.parse({
    type: 'weekly',
    weekly: Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, windows.map(([open, close]) => ({ open, close }))])),
    closedDates,
  });

test('local dates are Qingdao dates (UTC+8), not UTC dates', (t) => {
  t.is(localDateOf(Date.parse('2026-03-01T16:30:00Z')), '2026-03-02');
  t.is(midnightOfDate('2026-03-02'), Date.parse('2026-03-01T16:00:00Z'));
});

test('a daytime schedule is open inside its window and closed outside', (t) => {
  const hours = everyDay([['07:00', '19:00']]);
  t.true(isScheduledOpen(hours, at('2026-05-06T07:00:00')));
  t.true(isScheduledOpen(hours, at('2026-05-06T18:59:59')));
  t.false(isScheduledOpen(hours, at('2026-05-06T19:00:00')));
  t.false(isScheduledOpen(hours, at('2026-05-06T03:00:00')));
  t.is(totalMs(scheduledIntervals(hours, midnightOfDate('2026-05-06'), midnightOfDate('2026-05-07'))), 12 * H);
});

test('a window crossing midnight belongs to the day it opens and runs into the next', (t) => {
  const hours = everyDay([['18:00', '06:00']]);
  t.true(isScheduledOpen(hours, at('2026-05-06T23:30:00')));
  t.true(isScheduledOpen(hours, at('2026-05-07T05:59:00')));
  t.false(isScheduledOpen(hours, at('2026-05-07T06:00:00')));
  // One local day holds the tail of last night's window (0-6 h) and the start of tonight's (18-24 h).
  t.is(totalMs(scheduledIntervals(hours, midnightOfDate('2026-05-07'), midnightOfDate('2026-05-08'))), 12 * H);
});

test('several windows a day and a closure day', (t) => {
  const hours = everyDay(
    [
      ['07:00', '11:30'],
      ['13:00', '19:00'],
    ],
    ['2026-02-17'],
  );
  t.false(isScheduledOpen(hours, at('2026-05-06T12:00:00')));
  t.is(totalMs(scheduledIntervals(hours, midnightOfDate('2026-05-06'), midnightOfDate('2026-05-07'))), 10.5 * H);
  t.is(totalMs(scheduledIntervals(hours, midnightOfDate('2026-02-17'), midnightOfDate('2026-02-18'))), 0);
});

test('24 h stations are scheduled all day except declared closure days', (t) => {
  const hours = OpeningHoursSchema.parse({ type: '24h', closedDates: ['2026-02-17'] });
  t.is(totalMs(scheduledIntervals(hours, midnightOfDate('2026-02-16'), midnightOfDate('2026-02-19'))), 48 * H);
  t.deepEqual(scheduledIntervals(hours, at('2026-02-16T00:00:00'), at('2026-02-19T00:00:00')), [
    [at('2026-02-16T00:00:00'), at('2026-02-17T00:00:00')],
    [at('2026-02-18T00:00:00'), at('2026-02-19T00:00:00')],
  ]);
});

test('overlap of interval lists measures open time within schedule', (t) => {
  const scheduled = [
    [0, 10],
    [20, 30],
  ] as const;
  const open = [[5, 25]] as const;
  t.is(overlapMs(scheduled, open), 10);
});

test('schedule schema rejects malformed clocks and empty windows', (t) => {
  t.false(OpeningHoursSchema.safeParse({ type: 'weekly', weekly: { mon: [{ open: '7:00', close: '19:00' }] }, closedDates: [] }).success);
  t.false(OpeningHoursSchema.safeParse({ type: 'weekly', weekly: { mon: [{ open: '08:00', close: '08:00' }] }, closedDates: [] }).success);
  t.false(OpeningHoursSchema.safeParse({ type: '24h', closedDates: ['2026/02/17'] }).success);
});
