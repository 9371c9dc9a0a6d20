import test from 'ava';
import { DAY_MS, localHour, scheduledIntervals, type Interval } from '../../domain/schedule.js';
import type { Station } from '../../domain/station.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { dayPlan } from '../../device-sim/model/day-plan.js';
import { PERFECT_SHARES, stationProfile, type BehaviourShares } from '../../device-sim/model/profile.js';
import { createStationModel } from '../../device-sim/model/station-model.js';

const registry = loadRegistryFile();
const MIN = 60_000;
const START = Date.parse('2026-07-07T00:00:00+08:00');
const DAYS = 40;
const SEED = 11;

const overnight = registry.stations.find(
  (s) =>
    s.openingHours.type === 'weekly' &&
    Object.values(s.openingHours.weekly).every((ws) => ws.length === 1 && ws[0]!.open === '18:00' && ws[0]!.close === '06:00'),
)!;
const LATE: BehaviourShares = { ...PERFECT_SHARES, lateOpener: 1 };
const EARLY: BehaviourShares = { ...PERFECT_SHARES, earlyCloser: 1 };

/** The day plans' open intervals over [from, to), joined where one day's ends as the next day's begins. */
function openAcrossDays(station: Station, shares: BehaviourShares, from: number, to: number): Interval[] {
  const profile = stationProfile(SEED, station, shares);
  const joined: Array<[number, number]> = [];
  for (let day = from; day < to; day += DAY_MS) {
    for (const [s, e] of dayPlan(SEED, station, profile, day).open) {
      const last = joined[joined.length - 1];
      if (last && last[1] === s) last[1] = e;
      else joined.push([s, e]);
    }
  }
  return joined;
}

/** Each scheduled window (not cut by the range) paired with the actual opening that overlaps it. */
function pairs(station: Station, shares: BehaviourShares): Array<{ scheduled: Interval; open: Interval }> {
  const from = START;
  const to = START + DAYS * DAY_MS;
  const open = openAcrossDays(station, shares, from, to);
  return scheduledIntervals(station.openingHours, from, to)
    .filter(([s, e]) => s > from && e < to)
    .map((w) => {
      const matching = open.filter(([s, e]) => s < w[1] && e > w[0]);
      if (matching.length !== 1) throw new Error(`window ${new Date(w[0]).toISOString()}: ${matching.length} open intervals`);
      return { scheduled: w, open: matching[0]! };
    });
}

const lateBy = (minutes: number): boolean => minutes === 0 || (minutes >= 30 && minutes <= 120);

test('a late opener of an overnight schedule opens late at 18:00, not at midnight, and stays open across it until 06:00', (t) => {
  t.truthy(overnight, 'an 18:00-06:00 station in the registry');
  const list = pairs(overnight, LATE);
  t.true(list.length >= DAYS - 2, `${list.length} windows`);
  let late = 0;
  for (const { scheduled, open } of list) {
    const minutes = (open[0] - scheduled[0]) / MIN;
    t.true(lateBy(minutes), `opened ${minutes} min after ${new Date(scheduled[0]).toISOString()}`);
    t.is(open[1], scheduled[1], `closes on time at ${new Date(scheduled[1]).toISOString()}`);
    if (minutes > 0) late++;
  }
  // Half the days late: with 38 windows, at least a quarter and at most three quarters.
  t.true(late > list.length / 4 && late < (list.length * 3) / 4, `${late} of ${list.length} late`);
});

test('an early closer of an overnight schedule closes early before 06:00, not at midnight', (t) => {
  const list = pairs(overnight, EARLY);
  let early = 0;
  for (const { scheduled, open } of list) {
    const minutes = (scheduled[1] - open[1]) / MIN;
    t.is(open[0], scheduled[0], `opens on time at ${new Date(scheduled[0]).toISOString()}`);
    t.true(lateBy(minutes), `closed ${minutes} min before ${new Date(scheduled[1]).toISOString()}`);
    if (minutes > 0) early++;
  }
  t.true(early > list.length / 4 && early < (list.length * 3) / 4, `${early} of ${list.length} early`);
});

test('the model of an overnight late opener reports opening only in the evening and closing only in the morning', (t) => {
  const model = createStationModel(overnight, {
    seed: SEED,
    start: START,
    shares: LATE,
    channels: new Set(['service']),
    stepMs: MIN,
    heartbeatMs: 3_600_000,
    sampleMs: 3_600_000,
  });
  let open: boolean | null = null;
  const changes: Array<{ open: boolean; hour: number }> = [];
  for (const e of model.advance(START + 14 * DAY_MS)) {
    if (e.type !== 'publish' || e.channel !== 'service') continue;
    const now = (e.payload as { open: boolean }).open;
    if (open !== null && now !== open) changes.push({ open: now, hour: localHour(e.at) });
    open = now;
  }
  t.true(changes.length >= 26, `${changes.length} openings and closings`);
  t.deepEqual(
    changes.filter((c) => (c.open ? c.hour < 18 || c.hour > 20.01 : c.hour < 6 || c.hour > 6.01)),
    [],
  );
});
