import { APPLIANCES, type Appliance } from '../../domain/equipment.js';
import { createRng, type Rng } from '../../domain/random.js';
import { localHour, weekdayOf } from '../../domain/schedule.js';
import { telemetryItems, type Station } from '../../domain/station.js';
import {
  SPEAKER_CATEGORIES,
  type AppliancePayload,
  type OccupancyPayload,
  type ServicePayload,
  type SpeakerCategory,
  type SpeakerPayload,
  type StatusPayload,
} from '../../domain/telemetry.js';
import { telemetryTopic, type Channel } from '../../domain/topics.js';
import { dayPlan, within, type DayPlan } from './day-plan.js';
import { stationProfile, type BehaviourShares, type StationProfile } from './profile.js';
import { activeAt, type StationFault } from './station-fault.js';
import { indoorTempC, weatherAt, type Weather } from './weather.js';

// The behaviour model of one station: pure and deterministic for (seed, station, timing, faults).
// It advances in fixed simulated steps and returns what the station would send; the fleet
// (live, over MQTT) and the backfill (historical) decide how to deliver it.

export type Payload = StatusPayload | ServicePayload | OccupancyPayload | AppliancePayload | SpeakerPayload;

export type ModelEvent =
  | {
      type: 'publish';
      at: number;
      channel: Channel;
      topic: string;
      payload: Payload;
      retain: boolean;
      /** A run of heartbeats in one event (heldHeartbeats): its last one came this long after `at`. */
      heldMs?: number;
    }
  /** The link is lost without a DISCONNECT: live, the broker publishes `will`; in a backfill it is sent with `at`. */
  | { type: 'drop'; at: number; cause: 'wifi' | 'power' | 'offline'; will: StatusPayload }
  | { type: 'reconnect'; at: number };

export interface ModelTiming {
  /** Simulated time per model step. */
  stepMs: number;
  /** Simulated time between status heartbeats; shorter than a step, they keep their own clock between steps. */
  heartbeatMs: number;
  /** Simulated time between periodic samples of a channel that did not change. */
  sampleMs: number;
}

export interface StationModelOptions extends ModelTiming {
  seed: number;
  /** Simulated start time (epoch ms). */
  start: number;
  shares: BehaviourShares;
  faults?: readonly StationFault[];
  /** Only these channels are emitted (a backfill for compliance needs status and service only). */
  channels?: ReadonlySet<Channel>;
  /**
   * With heartbeats shorter than a step: the heartbeats between two steps as one status event
   * carrying `heldMs`, instead of one event each (a long history written compactly). Either way
   * the model's state and every other event are the same.
   */
  heldHeartbeats?: boolean;
}

export interface StationModel {
  readonly station: Station;
  readonly profile: StationProfile;
  /** Simulated time the model has reached. */
  readonly now: number;
  /** Steps up to `until` (inclusive) and returns the events, oldest first. */
  advance(until: number): ModelEvent[];
  /** Status, service and every channel's current value (sent after a (re)connect). */
  snapshot(reason: StatusPayload['reason']): ModelEvent[];
  /** The Last Will payload for this station. */
  readonly will: StatusPayload;
}

const MIN = 60_000;
const HOUR = 3_600_000;
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Visitors arriving per hour per place of capacity, by local hour: meal peaks at 11-13 h and 17-19 h. */
export function hourFactor(h: number): number {
  if (h < 5) return 0.06;
  if (h < 7) return 0.25;
  if (h < 9) return 0.5;
  if (h < 11) return 0.45;
  if (h < 13) return 1.6;
  if (h < 17) return 0.5;
  if (h < 19) return 1.4;
  if (h < 21) return 0.4;
  return 0.15;
}

/** Rain, summer heat and hard frost bring workers in to shelter. */
export function weatherFactor(w: Weather): number {
  let f = 1;
  if (w.raining) f *= 1.7;
  if (w.tempC > 30) f *= 1.5;
  else if (w.tempC > 27) f *= 1.25;
  if (w.tempC < 0) f *= 1.3;
  return f;
}

const QUERY_WEIGHTS: Record<SpeakerCategory, number> = { news_policy: 0.2, qa: 0.3, learning: 0.1, relaxation: 0.3, life_services: 0.1 };

function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(rng.normal(mean, Math.sqrt(mean))));
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rng.next(); p > limit; p *= rng.next()) k++;
  return k;
}

function binomial(rng: Rng, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) k++;
  return k;
}

function pickCategory(rng: Rng): SpeakerCategory {
  let u = rng.next();
  for (const c of SPEAKER_CATEGORIES) {
    u -= QUERY_WEIGHTS[c];
    if (u < 0) return c;
  }
  return 'qa';
}

interface Physical {
  powered: boolean;
  linked: boolean;
  bootAt: number;
  open: boolean;
  door: ServicePayload['door'];
  people: number;
  entries: number;
  fridgeC: number;
  compressor: boolean;
  waterC: number;
  heating: boolean;
  microwaveUntil: number;
  microwaveW: number;
  fan: boolean;
  ac: 'off' | 'cool' | 'heat';
  stripWh: number;
  stripW: number;
  lockersOpen: number;
  wakeups: number;
  queries: Record<SpeakerCategory, number>;
}

export function createStationModel(station: Station, options: StationModelOptions): StationModel {
  const { seed, stepMs, heartbeatMs, sampleMs } = options;
  const faults = options.faults ?? [];
  const profile = stationProfile(seed, station, options.shares);
  const rng = createRng(`model:${seed}:${station.id}`);
  const items = new Set(telemetryItems(station));
  const appliances = APPLIANCES.filter((a) => items.has(a));
  const hasSpeaker = items.has('ai_speaker');
  const wants = (c: Channel): boolean => !options.channels || options.channels.has(c);
  const will: StatusPayload = { station: station.id, online: false, reason: 'lwt' };
  const statusTopic = telemetryTopic({ stationId: station.id, channel: 'status' });

  let t = options.start;
  let plan: DayPlan = dayPlan(seed, station, profile, t);
  const planAt = (at: number): DayPlan => {
    if (at < plan.day || at >= plan.day + 24 * HOUR) plan = dayPlan(seed, station, profile, at);
    return plan;
  };

  const s: Physical = {
    powered: true,
    linked: true,
    bootAt: t - rng.int(1, 30 * 24) * HOUR,
    open: false,
    door: 'closed',
    people: 0,
    entries: 0,
    fridgeC: rng.float(2.8, 4.5),
    compressor: false,
    waterC: rng.float(86, 94),
    heating: false,
    microwaveUntil: 0,
    microwaveW: 0,
    fan: false,
    ac: 'off',
    stripWh: rng.float(0, 50_000),
    stripW: 3,
    lockersOpen: 0,
    wakeups: 0,
    queries: Object.fromEntries(SPEAKER_CATEGORIES.map((c) => [c, 0])) as Record<SpeakerCategory, number>,
  };

  // Each channel samples on its own phase so a station's messages spread over the period.
  const keys = ['status', 'service', 'occupancy', ...(hasSpeaker ? ['speaker'] : []), ...appliances.map((a) => `appliance/${a}`)].filter((k) =>
    wants(k.startsWith('appliance/') ? 'appliance' : (k as Channel)),
  );
  const nextSample = new Map(keys.map((k) => [k, t + rng.float(0, k === 'status' ? heartbeatMs : sampleMs)]));
  const lastSignature = new Map<string, string>();

  const none: StationFault[] = [];
  const faultsNow = (at: number): StationFault[] => (faults.length === 0 ? none : activeAt(faults, at));
  const removed = (active: readonly StationFault[], item: string): boolean => active.some((f) => f.kind === 'device_removed' && f.item === item);
  const applianceFault = (active: readonly StationFault[], a: Appliance): string | null => {
    const f = active.find((x) => x.kind === 'appliance_fault' && x.appliance === a);
    return f && f.kind === 'appliance_fault' ? f.code : null;
  };

  /** `rssiDbm` fixed, or jittered from the model's random stream. */
  function statusPayload(at: number, reason: StatusPayload['reason'], rssiDbm?: number): StatusPayload {
    return {
      station: station.id,
      ts: at,
      online: true,
      reason,
      uptimeS: Math.max(0, Math.floor((at - s.bootAt) / 1000)),
      wifiRssiDbm: rssiDbm ?? Math.max(-120, Math.min(0, profile.rssiDbm + rng.int(-4, 4))),
      fw: profile.fw,
    };
  }

  function appliancePayload(a: Appliance, at: number, active: readonly StationFault[]): AppliancePayload {
    const code = applianceFault(active, a);
    const base = { station: station.id, ts: at, appliance: a, faultCode: code };
    if (code !== null) {
      return { ...base, on: false, powerW: 0, ...(a === 'fridge' ? { tempC: round1(s.fridgeC) } : {}) };
    }
    switch (a) {
      case 'fridge':
        return { ...base, on: true, powerW: s.compressor ? 95 : 2, tempC: round1(s.fridgeC) };
      case 'water_dispenser':
        return { ...base, on: true, powerW: s.heating ? 550 : 2, heating: s.heating };
      case 'microwave':
        return { ...base, on: s.microwaveUntil > at, powerW: s.microwaveUntil > at ? s.microwaveW : 1.5 };
      case 'fan':
        return { ...base, on: s.fan, powerW: s.fan ? 45 : 0 };
      case 'air_conditioner': {
        const w = weatherAt(seed, at);
        const powerW = s.ac === 'cool' ? 750 + 40 * Math.max(0, w.tempC - 26) : s.ac === 'heat' ? 1100 : 3;
        return { ...base, on: s.ac !== 'off', powerW: round1(powerW) };
      }
      case 'power_strip':
        return { ...base, on: true, powerW: s.stripW, energyWh: Math.round(s.stripWh * 100) / 100 };
      case 'lockers':
        return { ...base, on: true, powerW: 5, openDoors: s.lockersOpen };
    }
  }

  /** What changes a channel's signature is sent at once; anything else (temperatures, energy) waits for the periodic sample. */
  function signature(key: string, at: number, active: readonly StationFault[]): string {
    switch (key) {
      case 'status':
        return '';
      case 'service':
        return `${s.open}${s.door}`;
      case 'occupancy':
        return String(s.people);
      case 'speaker':
        return String(!active.some((f) => f.kind === 'speaker_offline'));
    }
    const a = key.slice('appliance/'.length) as Appliance;
    const fault = applianceFault(active, a) ?? '';
    switch (a) {
      case 'fridge':
        return `${fault}${s.compressor}`;
      case 'water_dispenser':
        return `${fault}${s.heating}`;
      case 'microwave':
        return `${fault}${s.microwaveUntil > at}`;
      case 'fan':
        return `${fault}${s.fan}`;
      case 'air_conditioner':
        return `${fault}${s.ac}`;
      case 'power_strip':
        return `${fault}${s.stripW}`;
      case 'lockers':
        return `${fault}${s.lockersOpen}`;
    }
  }

  function speakerPayload(at: number, active: readonly StationFault[]): SpeakerPayload {
    const online = !active.some((f) => f.kind === 'speaker_offline');
    // Usage counted before it went offline is not reported by an offline speaker either.
    const queries = online ? { ...s.queries } : (Object.fromEntries(SPEAKER_CATEGORIES.map((c) => [c, 0])) as Record<SpeakerCategory, number>);
    return { station: station.id, ts: at, online, wakeups: online ? s.wakeups : 0, queries };
  }

  /** The channels the station reports right now (a removed device stops reporting). */
  function currentKeys(active: readonly StationFault[]): string[] {
    if (active.length === 0) return keys;
    return keys.filter((k) =>
      k === 'speaker' ? !removed(active, 'ai_speaker') : !k.startsWith('appliance/') || !removed(active, k.slice('appliance/'.length)),
    );
  }

  function build(key: string, at: number, reason: StatusPayload['reason'], active: readonly StationFault[]): [Channel, Payload] {
    switch (key) {
      case 'status':
        return ['status', statusPayload(at, reason)];
      case 'service':
        return ['service', { station: station.id, ts: at, open: s.open, door: s.door }];
      case 'occupancy':
        return ['occupancy', { station: station.id, ts: at, people: s.people, entries: s.entries }];
      case 'speaker':
        return ['speaker', speakerPayload(at, active)];
      default:
        return ['appliance', appliancePayload(key.slice('appliance/'.length) as Appliance, at, active)];
    }
  }

  /** A heartbeat between steps: the state of the last step, the station's usual signal strength. */
  function betweenSteps(at: number): ModelEvent {
    return { type: 'publish', at, channel: 'status', topic: statusTopic, payload: statusPayload(at, 'heartbeat', profile.rssiDbm), retain: true };
  }

  function publish(key: string, at: number, reason: StatusPayload['reason'], active: readonly StationFault[]): ModelEvent {
    const [channel, payload] = build(key, at, reason, active);
    lastSignature.set(key, signature(key, at, active));
    let next = nextSample.get(key) ?? at;
    const period = key === 'status' ? heartbeatMs : sampleMs;
    while (next <= at) next += period;
    nextSample.set(key, next);
    if (key === 'occupancy') s.entries = 0;
    if (key === 'speaker') {
      s.wakeups = 0;
      for (const c of SPEAKER_CATEGORIES) s.queries[c] = 0;
    }
    const topic =
      channel === 'appliance'
        ? telemetryTopic({ stationId: station.id, channel, appliance: (payload as AppliancePayload).appliance })
        : telemetryTopic({ stationId: station.id, channel });
    return { type: 'publish', at, channel, topic, payload, retain: channel === 'status' || channel === 'service' };
  }

  function stepPhysics(at: number, dt: number, active: readonly StationFault[]): void {
    const p = planAt(at);
    const w = weatherAt(seed, at);
    const h = localHour(at);
    const dtH = dt / HOUR;
    const dtMin = dt / MIN;
    const inside = indoorTempC(w.tempC);

    s.open = within(p.open, at) && !active.some((f) => f.kind === 'closed_during_hours');
    s.door = s.open && !w.raining && w.tempC >= 8 ? 'open' : 'closed';

    // Occupancy: arrivals while open (turned away when full), each visitor stays ~20 min (longer in rain).
    if (s.open) {
      const weekend = weekdayOf(at) === 'sat' || weekdayOf(at) === 'sun' ? 0.85 : 1;
      const rate = station.capacity * 0.5 * hourFactor(h) * weatherFactor(w) * weekend;
      const stay = (w.raining ? 35 : 20) * MIN;
      const leaving = binomial(rng, s.people, 1 - Math.exp(-dt / stay));
      const arrivals = Math.min(poisson(rng, rate * dtH), station.capacity - (s.people - leaving));
      s.people = s.people - leaving + arrivals;
      s.entries += arrivals;
    } else {
      s.people = 0;
    }

    const powered = s.powered;
    // Fridge: bang-bang compressor between 2.5 and 5 °C, warming towards the room, door openings.
    const fridgeBroken = applianceFault(active, 'fridge') !== null;
    const warmingFault = active.some((f) => f.kind === 'fridge_warming');
    // Water dispenser: keeps its tank between 85 and 95 °C; every cup drawn cools it.
    const dispenserBroken = applianceFault(active, 'water_dispenser') !== null;
    for (let done = 0; done < dt; done += 30_000) {
      const m = Math.min(30_000, dt - done) / MIN;
      // A healthy cabinet leaks heat with a time constant of ~8 h; a failing one (bad seal, refrigerant leak) in ~1.5 h.
      s.fridgeC += ((inside - s.fridgeC) / (warmingFault ? 90 : 8 * 60)) * m + 0.2 * poisson(rng, s.people * 0.03 * m);
      if (!powered || fridgeBroken) s.compressor = false;
      else if (warmingFault) s.compressor = true;
      else if (s.fridgeC >= 5) s.compressor = true;
      else if (s.fridgeC <= 2.5) s.compressor = false;
      if (s.compressor && !warmingFault) s.fridgeC -= 0.16 * m;

      s.waterC += ((inside - s.waterC) / 180) * m - 2.5 * poisson(rng, s.people * 0.04 * m);
      if (!powered || dispenserBroken) s.heating = false;
      else if (s.waterC < 85) s.heating = true;
      else if (s.waterC >= 95) s.heating = false;
      if (s.heating) s.waterC = Math.min(100, s.waterC + 2.2 * m);
    }

    // Microwave: sessions of 1-4 min around meals, when someone is there to heat food.
    if (s.microwaveUntil <= at && powered && applianceFault(active, 'microwave') === null) {
      const meal = (h >= 11 && h < 13) || (h >= 17 && h < 19) ? 3 : 1;
      if (poisson(rng, s.people * meal * 0.01 * dtMin) > 0) {
        s.microwaveUntil = at + Math.max(dt, rng.int(60, 240) * 1000);
        s.microwaveW = round1(rng.normal(1050, 40));
      }
    }

    // Cooling and heating follow the season and whether anyone is inside.
    if (!s.open || !powered) s.fan = false;
    else if (w.tempC > 25 && s.people > 0) s.fan = true;
    else if (w.tempC < 23 || s.people === 0) s.fan = false;
    if (!s.open || !powered) s.ac = 'off';
    else if (w.tempC > 28 || (w.tempC > 26 && s.people > 0)) s.ac = 'cool';
    else if (w.tempC < 3) s.ac = 'heat';
    else if ((s.ac === 'cool' && w.tempC < 25) || (s.ac === 'heat' && w.tempC > 6)) s.ac = 'off';

    // Power strip: phone chargers of the riders inside.
    s.stripW = powered ? 3 + 5 * Math.round(s.people * 0.4) : 0;
    s.stripWh += (s.stripW * dt) / HOUR;
    s.lockersOpen = binomial(rng, s.people, 0.15);

    // Speaker: wake-ups mostly by visitors, a few by passers-by; an offline speaker hears nobody.
    const speakerOnline = !active.some((f) => f.kind === 'speaker_offline');
    const wakeups = speakerOnline ? poisson(rng, (0.2 + s.people * 0.6) * dtH) : 0;
    s.wakeups += wakeups;
    for (let i = 0; i < wakeups; i++) {
      for (let q = rng.chance(0.3) ? 2 : 1; q > 0; q--) s.queries[pickCategory(rng)]++;
    }
  }

  function step(at: number): ModelEvent[] {
    const events: ModelEvent[] = [];
    const active = faultsNow(at);
    const p = planAt(at);
    const powered = !within(p.powerDown, at) && !active.some((f) => f.kind === 'power_outage');
    const linked = powered && !within(p.wifiDown, at) && !active.some((f) => f.kind === 'wifi_drop' || f.kind === 'station_offline');
    const silenced = active.some((f) => f.kind === 'station_offline');

    // Coarse steps (a long history) with the live heartbeat interval: the heartbeats due since the
    // last step, while the link held (state changes only at steps). They draw nothing from the
    // model's random stream (the station's usual signal strength), so held or one by one, the rest is alike.
    if (heartbeatMs < stepMs && s.linked && wants('status')) {
      const first = Math.ceil(nextSample.get('status')!);
      if (first < at) {
        const last = first + Math.floor((at - 1 - first) / heartbeatMs) * heartbeatMs;
        for (let due = first; due <= last; due += options.heldHeartbeats ? last - first + 1 : heartbeatMs)
          events.push({ ...betweenSteps(due), ...(options.heldHeartbeats ? { heldMs: last - first } : {}) });
        nextSample.set('status', last + heartbeatMs);
      }
    }
    if (s.linked && !linked) {
      const cause = !powered ? 'power' : silenced ? 'offline' : 'wifi';
      events.push({ type: 'drop', at, cause, will: { ...will, ts: at } });
    }
    if (!s.powered && powered) s.bootAt = at;
    const rebooted = !s.powered && powered;
    s.powered = powered;
    stepPhysics(at, stepMs, active);

    if (!s.linked && linked) {
      events.push({ type: 'reconnect', at });
      s.linked = true;
      for (const key of currentKeys(active)) events.push(publish(key, at, rebooted ? 'boot' : 'heartbeat', active));
      return events;
    }
    s.linked = linked;
    // Powered off or offline: nothing is sent. Wi-Fi down: samples queue on the device and arrive late; heartbeats do not.
    if (!powered || silenced) return events;
    for (const key of currentKeys(active)) {
      if (key === 'status' && !linked) continue;
      if (at >= nextSample.get(key)! || signature(key, at, active) !== lastSignature.get(key)) events.push(publish(key, at, 'heartbeat', active));
    }
    return events;
  }

  // Settle the state at the start (open or not, people inside) before the first snapshot.
  stepPhysics(t, stepMs, faultsNow(t));

  return {
    station,
    profile,
    will,
    get now() {
      return t;
    },
    advance(until) {
      const events: ModelEvent[] = [];
      while (t + stepMs <= until) {
        t += stepMs;
        events.push(...step(t));
      }
      return events;
    },
    snapshot(reason) {
      const active = faultsNow(t);
      return currentKeys(active).map((key) => publish(key, t, reason, active));
    },
  };
}
