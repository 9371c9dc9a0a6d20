import test from 'ava';
import { DAY_MS, localDateOf } from '../../domain/schedule.js';
import { complianceFigures, rollupDay, type DailyRollup } from '../../rules/compliance.js';
import { addSample, emptySignal, servingIntervals, signalIntervals, trackerFromSamples } from '../../rules/serving.js';
import { at, daily, H, MIN, S } from './timeline.js';

test('an online signal ends at its stale point when heartbeats stop, and at once on a Last Will', (t) => {
  const sig = emptySignal(60 * S);
  for (let x = 0; x < 10 * MIN; x += 20 * S) addSample(sig, { t: x, on: true });
  addSample(sig, { t: 20 * MIN, on: true });
  addSample(sig, { t: 25 * MIN, on: false });
  t.deepEqual(signalIntervals(sig, 0, H), [
    [0, 9 * MIN + 40 * S + 60 * S],
    [20 * MIN, 21 * MIN],
  ]);
  const lwt = emptySignal(60 * S);
  addSample(lwt, { t: 0, on: true });
  addSample(lwt, { t: 30 * S, on: false });
  t.deepEqual(signalIntervals(lwt, 0, H), [[0, 30 * S]]);
});

test('late samples do not rewrite history', (t) => {
  const sig = emptySignal(Infinity);
  addSample(sig, { t: 100, on: true });
  addSample(sig, { t: 50, on: false });
  t.deepEqual(signalIntervals(sig, 0, 200), [[100, 200]]);
});

test('daily compliance of a midnight-crossing schedule counts each day’s own scheduled time', (t) => {
  const hours = daily([['20:00', '02:00']]);
  const day = '2026-05-06';
  // Online all along; open 20:00-23:00, closed 23:00-01:00 next day, open again 01:00.
  const online = Array.from({ length: 30 * 60 }, (_, i) => ({ t: at(`${day}T00:00:00`) + i * MIN, on: true }));
  const open = [
    { t: at('2026-05-05T20:00:00'), on: true },
    { t: at(`${day}T20:00:00`), on: true },
    { t: at(`${day}T23:00:00`), on: false },
    { t: at('2026-05-07T01:00:00'), on: true },
  ];
  const tracker = trackerFromSamples(open, online, 60 * S);
  const serving = servingIntervals(tracker, at(`${day}T00:00:00`), at('2026-05-07T06:00:00'));
  const r = rollupDay('SN-0001', 'SN', hours, serving, day);
  // Scheduled on the 6th: 00:00-02:00 (yesterday's window) + 20:00-24:00 = 6 h; open 2 h + 3 h.
  t.is(r.scheduledMs, 6 * H);
  t.is(r.openMs, 5 * H);
  const next = rollupDay('SN-0001', 'SN', hours, serving, '2026-05-07');
  t.is(next.openMs, 1 * H, '00:00-01:00 closed, 01:00-02:00 open');
});

test('offline time is not open time even when the station last said open', (t) => {
  const hours = { type: '24h' as const, closedDates: [] };
  const day = '2026-05-06';
  const start = at(`${day}T00:00:00`);
  const online = [];
  for (let x = start; x < start + DAY_MS; x += 20 * S) if (x < start + 6 * H || x >= start + 8 * H) online.push({ t: x, on: true });
  const tracker = trackerFromSamples([{ t: start - H, on: true }], online, 60 * S);
  const r = rollupDay('SN-0001', 'SN', hours, servingIntervals(tracker, start, start + DAY_MS), day);
  t.is(r.scheduledMs, DAY_MS);
  // Heartbeats stop after 05:59:40 and resume at 08:00: the last one covers 60 s more.
  t.is(r.openMs, DAY_MS - 2 * H + 40 * S);
});

test('a closure day has nothing scheduled and does not count', (t) => {
  const r = rollupDay('SN-0001', 'SN', daily([['08:00', '20:00']], ['2026-05-06']), [], '2026-05-06');
  t.is(r.scheduledMs, 0);
  t.is(complianceFigures([r], null, at('2026-05-07T12:00:00'), 30).completeWindow, null);
});

test('rolling 30-day and year-to-date figures weigh days by scheduled time, and include today', (t) => {
  const now = at('2026-02-10T12:00:00');
  const rollups: DailyRollup[] = [];
  for (let d = at('2026-01-01T00:00:00'); d < at('2026-02-10T00:00:00'); d += DAY_MS) {
    const date = localDateOf(d);
    rollups.push({ stationId: 'SN-0001', district: 'SN', date, scheduledMs: 10 * H, openMs: date < '2026-01-20' ? 5 * H : 10 * H });
  }
  rollups.push({ stationId: 'SN-0001', district: 'SN', date: '2025-12-31', scheduledMs: 10 * H, openMs: 0 });
  const today: DailyRollup = { stationId: 'SN-0001', district: 'SN', date: '2026-02-10', scheduledMs: 4 * H, openMs: 0 };
  const f = complianceFigures(rollups, today, now, 30);
  // Window 2026-01-12..02-10: 8 half days, 21 full days, today 0/4 h.
  t.is(f.last30Days, (8 * 5 + 21 * 10) / (29 * 10 + 4));
  t.is(f.yearToDate, (19 * 5 + 21 * 10) / (40 * 10 + 4));
  // Complete days only (judged by the rule): 2026-01-11..02-09, 9 half days and 21 full ones.
  t.is(f.completeWindow, (9 * 5 + 21 * 10) / (30 * 10));
  t.is(f.completeDays, 30);
});
