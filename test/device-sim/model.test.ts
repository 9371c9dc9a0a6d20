import test from 'ava';
import type { Appliance } from '../../domain/equipment.js';
import { localHour, overlapMs, scheduledIntervals, totalMs, type Interval } from '../../domain/schedule.js';
import { indexRegistry } from '../../domain/registry.js';
import type { Station } from '../../domain/station.js';
import { decodeTelemetry, type AppliancePayload, type OccupancyPayload, type ServicePayload, type SpeakerPayload } from '../../domain/telemetry.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { DEFAULT_SHARES, PERFECT_SHARES, type BehaviourShares } from '../../device-sim/model/profile.js';
import type { StationFault } from '../../device-sim/model/station-fault.js';
import { createStationModel, type ModelEvent } from '../../device-sim/model/station-model.js';
import { weatherAt } from '../../device-sim/model/weather.js';
import { heartbeatAndChanges, loadMessage } from '../../device-sim/load.js';
import type { Channel } from '../../domain/topics.js';

const registry = loadRegistryFile();
const DAY = 86_400_000;
// A Tuesday in July (local time): summer, with meal peaks and rain in the wet season.
const START = Date.parse('2026-07-07T00:00:00+08:00');
const timing = { stepMs: 60_000, heartbeatMs: 300_000, sampleMs: 300_000 };

function run(
  station: Station,
  days: number,
  opts: { seed?: number; shares?: BehaviourShares; faults?: StationFault[]; start?: number; channels?: Channel[] } = {},
): ModelEvent[] {
  const start = opts.start ?? START;
  const model = createStationModel(station, {
    seed: opts.seed ?? 7,
    start,
    shares: opts.shares ?? DEFAULT_SHARES,
    faults: opts.faults,
    channels: opts.channels && new Set(opts.channels),
    ...timing,
  });
  return model.advance(start + days * DAY);
}

const publishes = (events: ModelEvent[]) => events.flatMap((e) => (e.type === 'publish' ? [e] : []));

/** Open intervals from the service messages (state holds until the next message). */
function openIntervals(events: ModelEvent[], end: number): Interval[] {
  const list: Interval[] = [];
  let openSince: number | null = null;
  for (const e of publishes(events)) {
    if (e.channel !== 'service') continue;
    const open = (e.payload as ServicePayload).open;
    if (open && openSince === null) openSince = e.at;
    if (!open && openSince !== null) {
      list.push([openSince, e.at]);
      openSince = null;
    }
  }
  if (openSince !== null) list.push([openSince, end]);
  return list;
}

function compliance(station: Station, events: ModelEvent[], from: number, to: number): number {
  const scheduled = scheduledIntervals(station.openingHours, from, to);
  return overlapMs(scheduled, openIntervals(events, to)) / totalMs(scheduled);
}

test('the same seed gives the same telemetry, another seed different telemetry', (t) => {
  const station = registry.stations[3]!;
  const a = JSON.stringify(run(station, 2));
  t.is(JSON.stringify(run(station, 2)), a);
  t.not(JSON.stringify(run(station, 2, { seed: 8 })), a);
});

test('every message the model sends passes the telemetry contract', (t) => {
  // Every 10th station: a spread of schedules, capacities and equipment (the ingest refuses appliances a station lacks).
  const stations = registry.stations.filter((_, i) => i % 10 === 0);
  const perChannel = new Map<Channel, number>();
  const rejected: string[] = [];
  for (const station of stations) {
    for (const e of publishes(run(station, 1))) {
      perChannel.set(e.channel, (perChannel.get(e.channel) ?? 0) + 1);
      const decoded = decodeTelemetry(e.topic, Buffer.from(JSON.stringify(e.payload)), registry, e.at + 1000);
      if (!decoded.ok) rejected.push(`${e.topic}: ${decoded.reason} ${decoded.detail}`);
    }
  }
  t.deepEqual(rejected.slice(0, 10), [], `${rejected.length} rejected`);
  // Per station and day at least the heartbeats (every 5 min here) and the 5-minute samples of each channel.
  for (const channel of ['status', 'service', 'occupancy', 'appliance', 'speaker'] as const) {
    t.true((perChannel.get(channel) ?? 0) >= stations.length * 200, `${channel}: ${perChannel.get(channel) ?? 0} messages`);
  }
});

test('load-mode messages pass the telemetry contract for every station of the registry, and for one without fridge and speaker', (t) => {
  const first = registry.stations[0]!;
  const bare = { ...first, id: 'SN-9990', equipment: { ...first.equipment, fridge: 'inspection' as const, ai_speaker: undefined } };
  const stations = [...registry.stations, bare];
  const withBare = indexRegistry(stations);
  let n = 0;
  for (const station of stations) {
    for (let i = 0; i < 8; i++, n++) {
      const m = loadMessage(station, i, START + i);
      const decoded = decodeTelemetry(m.topic, Buffer.from(JSON.stringify(m.payload)), withBare, START + 1000);
      t.true(decoded.ok, `${m.topic}: ${decoded.ok ? '' : `${decoded.reason} ${decoded.detail}`}`);
    }
  }
  t.is(n, stations.length * 8);
});

test('heartbeat-and-changes load: one heartbeat per cycle of changes + 1 messages, the changes cycling occupancy, fridge and speaker, all valid', (t) => {
  const station = registry.stations.find((s) => s.equipment.fridge === 'telemetry' && s.equipment.ai_speaker === 'telemetry')!;
  const message = heartbeatAndChanges(2);
  const channels = Array.from({ length: 9 }, (_, n) => {
    const m = message(station, n, START + n);
    const decoded = decodeTelemetry(m.topic, Buffer.from(JSON.stringify(m.payload)), registry, START + 1000);
    t.true(decoded.ok, m.topic);
    return m.topic.split('/')[3] === 'status' ? `status:${(m.payload as { reason: string }).reason}` : m.topic.split('/')[3];
  });
  t.deepEqual(channels, ['occupancy', 'appliance', 'status:heartbeat', 'speaker', 'occupancy', 'status:heartbeat', 'appliance', 'speaker', 'status:heartbeat']);
});

test('occupancy peaks at meals (11-13 h, 17-19 h), is low at night and never exceeds the capacity', (t) => {
  const byHour = Array.from({ length: 24 }, () => ({ sum: 0, n: 0 }));
  let overCapacity = 0;
  let samples = 0;
  for (const station of registry.stations.filter((s) => s.openingHours.type === '24h').slice(0, 15)) {
    for (const e of publishes(run(station, 14, { shares: PERFECT_SHARES, channels: ['occupancy'] }))) {
      if (e.channel !== 'occupancy') continue;
      const people = (e.payload as OccupancyPayload).people;
      if (people > station.capacity) overCapacity++;
      const h = Math.floor(localHour(e.at));
      byHour[h]!.sum += people / station.capacity;
      byHour[h]!.n++;
      samples++;
    }
  }
  const mean = (from: number, to: number): number => {
    const slice = byHour.slice(from, to);
    return slice.reduce((a, b) => a + b.sum, 0) / slice.reduce((a, b) => a + b.n, 0);
  };
  t.true(samples > 10_000);
  t.is(overCapacity, 0);
  const lunch = mean(11, 13);
  const dinner = mean(17, 19);
  const afternoon = mean(14, 17);
  const night = mean(0, 5);
  t.true(lunch > 2 * afternoon, `lunch ${lunch} vs afternoon ${afternoon}`);
  t.true(dinner > 2 * afternoon, `dinner ${dinner} vs afternoon ${afternoon}`);
  t.true(night < afternoon / 4, `night ${night} vs afternoon ${afternoon}`);
  t.true(night > 0, '24 h stations still see a few night visitors');
});

test('normal stations keep their schedule; late openers, early closers and multi-day closures do not', (t) => {
  const stations = registry.stations.slice(0, 100);
  const days = 21;
  const result: Record<string, number[]> = {};
  for (const station of stations) {
    const shares = { ...PERFECT_SHARES, lateOpener: 0.2, earlyCloser: 0.2, closesForDays: 0.2 };
    const events = run(station, days, { shares, channels: ['service'] });
    const { behaviour } = createStationModel(station, { seed: 7, start: START, shares, ...timing }).profile;
    // A 24 h station never opens or closes (its closed dates aside), so it cannot open late or close early.
    const kind = station.openingHours.type === '24h' && behaviour !== 'closes_for_days' ? `24h ${behaviour}` : behaviour;
    (result[kind] ??= []).push(compliance(station, events, START, START + days * DAY));
  }
  const normal = result.normal ?? [];
  t.true(normal.length > 20);
  for (const kind of ['normal', '24h normal', '24h late_opener', '24h early_closer']) {
    t.true((result[kind] ?? []).length > 0, `${kind}: no station`);
    for (const c of result[kind] ?? []) t.true(c > 0.97, `${kind} station compliance ${c}`);
  }
  for (const kind of ['late_opener', 'early_closer', 'closes_for_days']) {
    const list = result[kind] ?? [];
    t.true(list.length >= 5, `${kind}: ${list.length} stations`);
    const mean = list.reduce((a, b) => a + b, 0) / list.length;
    t.true(mean < 0.97, `${kind} mean compliance ${mean}`);
  }
});

test('fridges stay between 2 and 6 °C unless a warming fault is injected', (t) => {
  const station = registry.stations.find((s) => s.equipment.fridge === 'telemetry')!;
  const temps = (events: ModelEvent[]) =>
    publishes(events)
      .filter((e) => e.topic.endsWith('/appliance/fridge'))
      .map((e) => (e.payload as AppliancePayload).tempC!);
  const healthy = temps(run(station, 7, { shares: PERFECT_SHARES, channels: ['appliance'] }));
  t.true(healthy.length > 1000);
  t.true(Math.min(...healthy) >= 1.5 && Math.max(...healthy) <= 6.5, `range ${Math.min(...healthy)}..${Math.max(...healthy)}`);
  const faulty = temps(
    run(station, 2, { shares: PERFECT_SHARES, channels: ['appliance'], faults: [{ kind: 'fridge_warming', from: START + DAY, until: START + 3 * DAY }] }),
  );
  t.true(Math.max(...faulty) > 10, `warming fridge reached ${Math.max(...faulty)}`);
});

test('microwave sessions draw about 1 kW and cluster around meals', (t) => {
  let meal = 0;
  let other = 0;
  for (const station of registry.stations.slice(0, 30)) {
    for (const e of publishes(run(station, 3, { shares: PERFECT_SHARES, channels: ['appliance'] }))) {
      if (!e.topic.endsWith('/appliance/microwave')) continue;
      const p = e.payload as AppliancePayload;
      if (!p.on) continue;
      t.true(p.powerW > 900 && p.powerW < 1200, `power ${p.powerW}`);
      const h = localHour(e.at);
      if ((h >= 11 && h < 13) || (h >= 17 && h < 19)) meal++;
      else other++;
    }
  }
  // Meal hours are 4 of 24: without a meal effect they would get far fewer than half the sessions.
  t.true(meal > other, `meal ${meal} other ${other}`);
});

test('an offline speaker reports no wake-ups and no queries, and resumes counting when back', (t) => {
  const station = registry.stations.find((s) => s.equipment.ai_speaker === 'telemetry')!;
  const fault: StationFault = { kind: 'speaker_offline', from: START + 6 * 3600_000, until: START + 18 * 3600_000 };
  const speaker = publishes(run(station, 1, { shares: PERFECT_SHARES, channels: ['speaker'], faults: [fault] })).map((e) => e.payload as SpeakerPayload);
  const offline = speaker.filter((p) => !p.online);
  t.true(offline.length >= 100, `${offline.length} offline messages`);
  t.deepEqual(
    offline.filter((p) => p.wakeups > 0 || Object.values(p.queries).some((q) => q > 0)),
    [],
    'offline messages with usage',
  );
  const after = speaker.filter((p) => p.online && p.ts >= fault.until);
  t.true(after.reduce((a, p) => a + p.wakeups, 0) > 0, 'wake-ups after the speaker is back');
});

/** The station's state at every step: with samples as often as steps, each channel reports once per step. */
type StepState = { at: number; occupancy?: OccupancyPayload; speaker?: SpeakerPayload } & Partial<Record<Appliance, AppliancePayload>>;

function stepStates(station: Station, start: number, days: number, channels: Channel[], stepMs = 5 * 60_000): StepState[] {
  const model = createStationModel(station, {
    seed: 7,
    start,
    shares: PERFECT_SHARES,
    channels: new Set(channels),
    stepMs,
    heartbeatMs: stepMs,
    sampleMs: stepMs,
  });
  const byStep = new Map<number, StepState>();
  for (const e of publishes(model.advance(start + days * DAY))) {
    const state: StepState = byStep.get(e.at) ?? { at: e.at };
    byStep.set(e.at, state);
    if (e.channel === 'appliance') state[(e.payload as AppliancePayload).appliance] = e.payload as AppliancePayload;
    else if (e.channel === 'occupancy') state.occupancy = e.payload as OccupancyPayload;
    else if (e.channel === 'speaker') state.speaker = e.payload as SpeakerPayload;
  }
  return [...byStep.values()];
}

const always24h = (s: Station): boolean => s.openingHours.type === '24h' && s.openingHours.closedDates.length === 0;
const JANUARY = Date.parse('2026-01-05T00:00:00+08:00');
const afternoon = (at: number): boolean => localHour(at) >= 13 && localHour(at) < 17;
const night = (at: number): boolean => localHour(at) < 5;
/** Share of the states matching `where` in which `on` holds. */
function shareOn(states: StepState[], where: (s: StepState) => boolean, on: (s: StepState) => boolean): number {
  const matching = states.filter(where);
  return matching.filter(on).length / matching.length;
}

test('more workers shelter in rain and in summer heat than on a mild dry day at the same hours', (t) => {
  const summer = Date.parse('2026-06-01T00:00:00+08:00');
  const by: Record<'rain' | 'hot' | 'mild', { sum: number; n: number }> = { rain: { sum: 0, n: 0 }, hot: { sum: 0, n: 0 }, mild: { sum: 0, n: 0 } };
  for (const station of registry.stations.filter(always24h).slice(0, 10)) {
    for (const s of stepStates(station, summer, 92, ['occupancy'])) {
      // 14-17 h: one hour factor, so only the weather differs.
      const h = localHour(s.at);
      if (h < 14 || h >= 17) continue;
      const w = weatherAt(7, s.at);
      const kind = w.raining ? 'rain' : w.tempC > 27 ? 'hot' : w.tempC >= 18 && w.tempC <= 25 ? 'mild' : null;
      if (!kind) continue;
      by[kind].sum += s.occupancy!.people / station.capacity;
      by[kind].n++;
    }
  }
  const mean = (k: keyof typeof by): number => by[k].sum / by[k].n;
  for (const k of ['rain', 'hot', 'mild'] as const) t.true(by[k].n > 1000, `${k}: ${by[k].n} samples`);
  t.true(mean('rain') > 2.2 * mean('mild'), `rain ${mean('rain')} vs mild ${mean('mild')}`);
  t.true(mean('hot') > 1.1 * mean('mild'), `heat ${mean('hot')} vs mild ${mean('mild')}`);
});

test('the water dispenser cycles: short heating runs at about 550 W between longer idle spells at standby draw', (t) => {
  const station = registry.stations.find((s) => always24h(s) && s.equipment.water_dispenser === 'telemetry')!;
  const days = 2;
  const dispenser = stepStates(station, START, days, ['appliance'], 60_000).map((s) => s.water_dispenser!);
  for (const p of dispenser) {
    if (p.heating) t.true(p.powerW >= 400 && p.powerW <= 1000, `heating at ${p.powerW} W`);
    else t.true(p.powerW < 10, `idle at ${p.powerW} W`);
  }
  const runs: Array<{ heating: boolean; minutes: number }> = [];
  for (const p of dispenser) {
    const last = runs[runs.length - 1];
    if (last && last.heating === p.heating) last.minutes++;
    else runs.push({ heating: p.heating!, minutes: 1 });
  }
  // Whole runs only: the first and last are cut by the simulated span.
  const heating = runs
    .slice(1, -1)
    .filter((r) => r.heating)
    .map((r) => r.minutes);
  const idle = runs
    .slice(1, -1)
    .filter((r) => !r.heating)
    .map((r) => r.minutes);
  t.true(heating.length >= 24 * days, `${heating.length} heating runs in ${days} days`);
  t.true(Math.max(...heating) <= 30, `longest heating run ${Math.max(...heating)} min`);
  t.true(Math.min(...idle) >= 2 && Math.max(...idle) <= 120, `idle spells ${Math.min(...idle)}..${Math.max(...idle)} min`);
  const heatingShare = heating.reduce((a, b) => a + b, 0) / dispenser.length;
  t.true(heatingShare > 0.05 && heatingShare < 0.5, `heating ${heatingShare} of the time`);
});

test('the fan runs on occupied summer afternoons and stays off when empty and in winter; the AC cools summer afternoons and heats winter nights', (t) => {
  const fanStation = registry.stations.find((s) => always24h(s) && s.equipment.fan === 'telemetry')!;
  const fanOn = (s: StepState): boolean => s.fan!.on;
  const occupied = (s: StepState): boolean => s.occupancy!.people > 0;
  const fanSummer = stepStates(fanStation, START, 14, ['occupancy', 'appliance']);
  const fanWinter = stepStates(fanStation, JANUARY, 14, ['occupancy', 'appliance']);
  const occupiedAfternoons = shareOn(fanSummer, (s) => afternoon(s.at) && occupied(s), fanOn);
  t.true(occupiedAfternoons > 0.8, `fan on ${occupiedAfternoons} of occupied July afternoons`);
  t.is(
    shareOn(fanSummer, (s) => !occupied(s), fanOn),
    0,
    'fan on in an empty room',
  );
  t.is(
    shareOn(fanWinter, () => true, fanOn),
    0,
    'fan on in January',
  );
  for (const s of fanSummer.filter(fanOn)) t.true(s.fan!.powerW > 20 && s.fan!.powerW < 100, `fan at ${s.fan!.powerW} W`);

  const acStation = registry.stations.find((s) => always24h(s) && s.equipment.air_conditioner === 'telemetry')!;
  const acOn = (s: StepState): boolean => s.air_conditioner!.on;
  const acSummer = stepStates(acStation, START, 14, ['occupancy', 'appliance']);
  const acWinter = stepStates(acStation, JANUARY, 14, ['occupancy', 'appliance']);
  const summerAfternoons = shareOn(acSummer, (s) => afternoon(s.at) && occupied(s), acOn);
  const summerNights = shareOn(acSummer, (s) => night(s.at), acOn);
  t.true(summerAfternoons > 0.6 && summerAfternoons > 3 * summerNights, `AC on ${summerAfternoons} of occupied July afternoons, ${summerNights} of nights`);
  // Below 3 °C outside the AC heats (1.1 kW); cooling never runs in January.
  const frostyNights = (s: StepState): boolean => night(s.at) && weatherAt(7, s.at).tempC < 3;
  t.true(acWinter.filter(frostyNights).length > 100);
  t.is(
    shareOn(acWinter, frostyNights, (s) => acOn(s) && s.air_conditioner!.powerW === 1100),
    1,
    'AC heating on frosty January nights',
  );
  t.deepEqual(
    acWinter.filter((s) => acOn(s) && s.air_conditioner!.powerW !== 1100).map((s) => s.air_conditioner),
    [],
    'AC cooling in January',
  );
  for (const s of acSummer.filter(acOn)) t.true(s.air_conditioner!.powerW >= 700 && s.air_conditioner!.powerW <= 1600, `AC at ${s.air_conditioner!.powerW} W`);
});

test("the power strip's energy counter only grows, by its draw, and carries on across a power cut", (t) => {
  const station = registry.stations.find((s) => always24h(s) && s.equipment.power_strip === 'telemetry')!;
  const cut: StationFault = { kind: 'power_outage', from: START + DAY, until: START + DAY + 2 * 3600_000 };
  const strip = publishes(run(station, 3, { shares: PERFECT_SHARES, channels: ['appliance'], faults: [cut] }))
    .filter((e) => e.topic.endsWith('/appliance/power_strip'))
    .map((e) => ({ at: e.at, p: e.payload as AppliancePayload }));
  t.true(strip.length > 500);
  let falls = 0;
  for (let i = 1; i < strip.length; i++) {
    const { at, p } = strip[i]!;
    const prev = strip[i - 1]!;
    const gained = p.energyWh! - prev.p.energyWh!;
    if (gained < 0) falls++;
    // Never more than the strip could draw meanwhile (a few riders' chargers: well under 200 W).
    t.true(gained <= (200 * (at - prev.at)) / 3_600_000 + 0.01, `${gained} Wh in ${(at - prev.at) / 60_000} min`);
  }
  t.is(falls, 0, 'energy counter went down');
  const before = strip.filter((s) => s.at < cut.from).at(-1)!;
  const after = strip.find((s) => s.at >= cut.until)!;
  t.true(after.p.energyWh! >= before.p.energyWh!, `energy ${before.p.energyWh} before the cut, ${after.p.energyWh} after`);
  t.true(strip.at(-1)!.p.energyWh! - strip[0]!.p.energyWh! > 3 * 24 * 3 * 0.9, 'at least the standby draw of 3 W for three days');
});

test('the AI speaker wakes more often with people inside than when the station is empty', (t) => {
  const station = registry.stations.find((s) => always24h(s) && s.equipment.ai_speaker === 'telemetry')!;
  const states = stepStates(station, START, 7, ['occupancy', 'speaker']);
  const occupied = states.filter((s) => s.occupancy!.people > 0);
  const empty = states.filter((s) => s.occupancy!.people === 0);
  t.true(occupied.length > 200 && empty.length > 200, `${occupied.length} occupied, ${empty.length} empty steps`);
  const wakeups = (list: StepState[]): number => list.reduce((a, s) => a + s.speaker!.wakeups, 0) / list.length;
  t.true(wakeups(occupied) > 3 * wakeups(empty), `wake-ups per step: ${wakeups(occupied)} occupied, ${wakeups(empty)} empty`);
  const total = states.reduce((a, s) => a + s.speaker!.wakeups, 0);
  const queries = states.reduce((a, s) => a + Object.values(s.speaker!.queries).reduce((x, y) => x + y, 0), 0);
  t.true(total > 50 && queries >= total && queries <= 2 * total, `${queries} queries for ${total} wake-ups`);
});
