import { createRng, type Rng } from '../domain/random.js';
import { isScheduledOpen } from '../domain/schedule.js';
import type { Station } from '../domain/station.js';
import type { FaultSpec } from './faults.js';

// The faults a demo fleet goes through, so a newcomer's `npm start` shows what the platform is for:
// a few faults an hour across the fleet, each ending after a plausible time. The first hour shows one
// of each quick kind, short enough that its alert fires and resolves within that hour.

const MIN = 60_000;

type Kind = 'wifi_drop' | 'appliance_fault' | 'speaker_offline' | 'closed_during_hours' | 'fridge_warming';

interface KindSpec {
  /** The device a station must report for the fault to show. */
  device?: 'water_dispenser' | 'ai_speaker' | 'fridge';
  /** Plausible duration range, minutes. */
  minutes: readonly [number, number];
  /** The station must be scheduled open for the whole fault (else a closure is no fault). */
  whileOpen?: boolean;
}

const KINDS: Record<Kind, KindSpec> = {
  wifi_drop: { minutes: [3, 15] },
  appliance_fault: { device: 'water_dispenser', minutes: [15, 90] },
  speaker_offline: { device: 'ai_speaker', minutes: [15, 60] },
  // closed_in_hours fires after 15 min (30 min in PD and LX): long enough to fire and to resolve.
  closed_during_hours: { minutes: [35, 90], whileOpen: true },
  // fridge_too_warm needs 30 min above 8 °C, and the fridge takes a while to warm and to cool again.
  fridge_warming: { device: 'fridge', minutes: [60, 180] },
};

/** The first hour: one of each quick kind, with durations that let their alerts fire and resolve within it. */
const FIRST_HOUR: ReadonlyArray<{ kind: Kind; atMin: number; minutes: number }> = [
  { kind: 'wifi_drop', atMin: 2, minutes: 5 },
  { kind: 'appliance_fault', atMin: 4, minutes: 20 },
  { kind: 'speaker_offline', atMin: 6, minutes: 20 },
  { kind: 'closed_during_hours', atMin: 8, minutes: 35 },
  { kind: 'fridge_warming', atMin: 10, minutes: 90 },
];

/** Demo faults through this fault code: the dispenser's heater (E3 on common models). */
const DISPENSER_CODE = 'E3';

export interface DemoFaultOptions {
  stations: readonly Station[];
  seed: number;
  /** Simulated start, epoch ms. */
  start: number;
  /** How long a plan to make (the fleet runs on past it without demo faults). */
  hours: number;
  /** Mean faults per hour across the fleet after the first hour; 0 makes no plan at all. */
  perHour: number;
}

/** A deterministic plan (same seed, same faults) with absolute times and named stations. */
export function demoFaultPlan(o: DemoFaultOptions): FaultSpec[] {
  if (o.perHour <= 0 || o.stations.length === 0) return [];
  const rng = createRng(`demo-faults:${o.seed}`);
  const plan: FaultSpec[] = [];
  const add = (kind: Kind, from: number, minutes: number): void => {
    const station = pickStation(rng, o.stations, KINDS[kind], from, from + minutes * MIN);
    if (station) plan.push(spec(kind, station.id, from, minutes));
  };
  for (const f of FIRST_HOUR) add(f.kind, o.start + f.atMin * MIN, f.minutes);
  const kinds = Object.keys(KINDS) as Kind[];
  // Exponential gaps: a Poisson stream of `perHour` faults an hour.
  for (let t = o.start + 60 * MIN; ; ) {
    t += Math.max(1, Math.round((-Math.log(1 - rng.next()) * 60 * MIN) / o.perHour));
    if (t >= o.start + o.hours * 60 * MIN) break;
    const kind = rng.pick(kinds);
    const [lo, hi] = KINDS[kind].minutes;
    add(kind, t, rng.int(lo, hi));
  }
  return plan;
}

function pickStation(rng: Rng, stations: readonly Station[], kind: KindSpec, from: number, until: number): Station | undefined {
  const fits = (s: Station): boolean =>
    (kind.device === undefined || s.equipment[kind.device] === 'telemetry') &&
    (!kind.whileOpen || (isScheduledOpen(s.openingHours, from) && isScheduledOpen(s.openingHours, until - 1)));
  const pool = stations.filter(fits);
  return pool.length > 0 ? rng.pick(pool) : undefined;
}

function spec(kind: Kind, stationId: string, from: number, minutes: number): FaultSpec {
  const common = { stations: [stationId], at: { absolute: from }, for: minutes * MIN };
  return kind === 'appliance_fault' ? { kind, ...common, appliance: 'water_dispenser', code: DISPENSER_CODE } : { kind, ...common };
}
