import test from 'ava';
import { DAY_MS, localDateOf } from '../../domain/schedule.js';
import { complianceFigures, coverageOf, figuresWithToday, NO_TIME, pastTotals, pooledTime, rollupDay, type DailyRollup } from '../../rules/compliance.js';
import { coverageClock, coveredIntervals, coverageMarks, judgedCoverage, MAX_COVERAGE_SPAN_MS } from '../../rules/coverage.js';
import { addSample, emptySignal, signalIntervals, stationSignals, subtract, trackerFromSamples } from '../../rules/serving.js';
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
  const [from, to] = [at(`${day}T00:00:00`), at('2026-05-07T06:00:00')];
  const serving = stationSignals(tracker, [[from, to]], from, to);
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
  const r = rollupDay('SN-0001', 'SN', hours, stationSignals(tracker, [[start, start + DAY_MS]], start, start + DAY_MS), day);
  t.is(r.scheduledMs, DAY_MS);
  // Heartbeats stop after 05:59:40 and resume at 08:00: the last one covers 60 s more.
  t.is(r.openMs, DAY_MS - 2 * H + 40 * S);
  t.is(r.offlineMs, 2 * H - 40 * S, 'the silence is offline time, not "reported closed"');
  t.is(r.closedMs, 0);
  t.is(r.uncoveredMs, 0);
});

test('a closure day has nothing scheduled and does not count', (t) => {
  const r = rollupDay('SN-0001', 'SN', daily([['08:00', '20:00']], ['2026-05-06']), { open: [], online: [], covered: [] }, '2026-05-06');
  t.is(r.scheduledMs, 0);
  t.is(r.uncoveredMs, 0);
  t.is(r.declaredClosedMs, 12 * H, 'the weekly hours it would have had, shown as a declared closure');
  t.is(complianceFigures([r], null, at('2026-05-07T12:00:00'), 30).completeWindow, null);
});

test('rolling 30-day and year-to-date figures weigh days by scheduled time, and include today', (t) => {
  const now = at('2026-02-10T12:00:00');
  const rollups: DailyRollup[] = [];
  for (let d = at('2026-01-01T00:00:00'); d < at('2026-02-10T00:00:00'); d += DAY_MS) {
    const date = localDateOf(d);
    rollups.push({ ...NO_TIME, stationId: 'SN-0001', district: 'SN', date, scheduledMs: 10 * H, openMs: date < '2026-01-20' ? 5 * H : 10 * H });
  }
  rollups.push({ ...NO_TIME, stationId: 'SN-0001', district: 'SN', date: '2025-12-31', scheduledMs: 10 * H, openMs: 0 });
  const today: DailyRollup = { ...NO_TIME, stationId: 'SN-0001', district: 'SN', date: '2026-02-10', scheduledMs: 4 * H, openMs: 0 };
  const f = complianceFigures(rollups, today, now, 30);
  // Window 2026-01-12..02-10: 8 half days, 21 full days, today 0/4 h.
  t.is(f.last30Days, (8 * 5 + 21 * 10) / (29 * 10 + 4));
  t.is(f.yearToDate, (19 * 5 + 21 * 10) / (40 * 10 + 4));
  // Complete days only (judged by the rule): 2026-01-11..02-09, 9 half days and 21 full ones.
  t.is(f.completeWindow, (9 * 5 + 21 * 10) / (30 * 10));
  t.is(f.completeDays, 30);
});

test('reported closed, offline and unwatched time are told apart, and add up to the schedule', (t) => {
  const day = '2026-05-06';
  const m = at(`${day}T00:00:00`);
  // 08:00-20:00; online 08:00-18:00 (heartbeats every 30 s), says open 08:00-12:00 and 13:00-20:00;
  // the platform itself was down 15:00-16:00.
  const online = [];
  for (let x = m + 8 * H; x < m + 18 * H; x += 30 * S) online.push({ t: x, on: true });
  online.push({ t: m + 18 * H, on: false });
  const open = [
    { t: m + 8 * H, on: true },
    { t: m + 12 * H, on: false },
    { t: m + 13 * H, on: true },
  ];
  const covered = [
    [m, m + 15 * H],
    [m + 16 * H, m + DAY_MS],
  ] as const;
  const r = rollupDay('SN-0001', 'SN', daily([['08:00', '20:00']]), stationSignals(trackerFromSamples(open, online, 60 * S), covered, m, m + DAY_MS), day);
  t.is(r.uncoveredMs, 1 * H);
  t.is(r.scheduledMs, 11 * H, 'the watched part of the schedule is the denominator');
  t.is(r.closedMs, 1 * H, 'reported closed 12:00-13:00');
  t.is(r.offlineMs, 2 * H, 'offline 18:00-20:00 while the platform watched');
  t.is(r.openMs, 11 * H - 3 * H);
  t.is(r.openMs + r.closedMs + r.offlineMs, r.scheduledMs);
  t.is(coverageOf(r), 11 / 12);
});

test('a platform outage with the station open lowers nothing and shows as unwatched time', (t) => {
  const day = '2026-05-06';
  const m = at(`${day}T00:00:00`);
  const hours = { type: '24h' as const, closedDates: [] };
  const grace = 90 * S;
  // The station is open all day and heartbeats every 60 s, except while the platform is down
  // (10:00-12:30): nothing reaches us then. It is heard again 40 s after the platform is back.
  const down: [number, number] = [m + 10 * H, m + 12.5 * H];
  const online = [];
  for (let x = m; x < m + DAY_MS; x += 60 * S) if (x < down[0] || x >= down[1] + 40 * S) online.push({ t: x, on: true });
  const open = [{ t: m - H, on: true }];
  // What the ingest wrote: a point every 15 s while it received, none while it was down.
  const marks = [];
  for (let x = m - H; x <= m + DAY_MS; x += 15 * S) if (x <= down[0] || x - 15 * S >= down[1]) marks.push({ end: x, spanMs: 15 * S });
  const covered = judgedCoverage(coveredIntervals(marks, m - H, m + DAY_MS), grace);
  const withOutage = rollupDay('SN-0001', 'SN', hours, stationSignals(trackerFromSamples(open, online, grace), covered, m, m + DAY_MS), day);
  t.is(withOutage.openMs / withOutage.scheduledMs, 1, 'open all the time it was watched');
  t.is(withOutage.offlineMs, 0);
  t.is(withOutage.uncoveredMs, 2.5 * H + grace, 'the outage, and the first heartbeat tolerance after watching starts again');
  // The old reading (no coverage: all time watched) blamed the station for the outage.
  const unaware = rollupDay('SN-0001', 'SN', hours, stationSignals(trackerFromSamples(open, online, grace), [[m, m + DAY_MS]], m, m + DAY_MS), day);
  t.true(unaware.openMs / unaware.scheduledMs < 0.9);
});

test('coverage points: spans merge, clip and never claim more than a day each; imports are declared in day-long spans', (t) => {
  t.deepEqual(
    coveredIntervals(
      [
        { end: 20, spanMs: 10 },
        { end: 30, spanMs: 10 },
        { end: 60, spanMs: 5 },
      ],
      0,
      100,
    ),
    [
      [10, 30],
      [55, 60],
    ],
  );
  t.deepEqual(coveredIntervals([{ end: 30, spanMs: 20 }], 15, 25), [[15, 25]]);
  t.deepEqual(coveredIntervals([{ end: 3 * DAY_MS, spanMs: 3 * DAY_MS }], 0, 3 * DAY_MS), [[2 * DAY_MS, 3 * DAY_MS]]);
  const marks = coverageMarks(0, 2.5 * DAY_MS);
  t.deepEqual(
    marks.map((x) => x.end),
    [DAY_MS, 2 * DAY_MS, 2.5 * DAY_MS],
  );
  t.true(marks.every((x) => x.spanMs <= MAX_COVERAGE_SPAN_MS));
  t.deepEqual(coveredIntervals(marks, 0, 3 * DAY_MS), [[0, 2.5 * DAY_MS]]);
  t.deepEqual(
    subtract(
      [
        [0, 10],
        [20, 30],
      ],
      [
        [5, 22],
        [25, 26],
      ],
    ),
    [
      [0, 5],
      [22, 25],
      [26, 30],
    ],
  );
});

test('the ingest coverage clock claims exactly the time it was linked', (t) => {
  const c = coverageClock();
  t.is(c.tick(5), null, 'nothing before the first link');
  t.is(c.link(true, 10), null);
  t.deepEqual(c.tick(25), { end: 25, spanMs: 15 });
  t.deepEqual(c.link(false, 30), { end: 30, spanMs: 5 });
  t.is(c.tick(40), null, 'nothing while unlinked');
  t.is(c.link(true, 50), null);
  t.deepEqual(c.link(false, 51), { end: 51, spanMs: 1 });
});

test('districts pool their stations’ time (Σopen ÷ Σscheduled), not the mean of station ratios', (t) => {
  const a = { ...NO_TIME, scheduledMs: 2 * H, openMs: 2 * H };
  const b = { ...NO_TIME, scheduledMs: 8 * H, openMs: 0, offlineMs: 8 * H, uncoveredMs: 2 * H };
  const pooled = pooledTime([a, b]);
  t.is(pooled.openMs / pooled.scheduledMs, 0.2, 'the mean of ratios would say 0.5');
  t.is(coverageOf(pooled), 10 / 12);
});

test('past totals kept between rollups carry the not-open split and the unwatched time, and give the same figures as folding every day', (t) => {
  const now = at('2026-05-10T12:00:00');
  const rollups: DailyRollup[] = [];
  for (let d = at('2026-05-01T00:00:00'); d < at('2026-05-10T00:00:00'); d += DAY_MS) {
    rollups.push({
      stationId: 'SN-0001',
      district: 'SN',
      date: localDateOf(d),
      scheduledMs: 10 * H,
      openMs: 7 * H,
      closedMs: 2 * H,
      offlineMs: 1 * H,
      uncoveredMs: 2 * H,
      declaredClosedMs: 0,
    });
  }
  const today: DailyRollup = {
    ...NO_TIME,
    stationId: 'SN-0001',
    district: 'SN',
    date: '2026-05-10',
    scheduledMs: 3 * H,
    openMs: 3 * H,
    uncoveredMs: 1 * H,
    declaredClosedMs: 0,
  };
  const past = pastTotals(rollups, now, 30);
  t.deepEqual(past.window, { scheduledMs: 90 * H, openMs: 63 * H, closedMs: 18 * H, offlineMs: 9 * H, uncoveredMs: 18 * H, declaredClosedMs: 0 });
  const f = figuresWithToday(past, today);
  t.deepEqual(f, complianceFigures(rollups, today, now, 30));
  t.is(f.time.last30Days.uncoveredMs, 19 * H);
  t.is(coverageOf(f.time.yearToDate), 93 / 112);
  t.is(past.window.uncoveredMs, 18 * H, 'adding the live day leaves the kept totals as they were');
});
