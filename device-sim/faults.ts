import { readJson } from '../lib/json-file.js';
import { z } from 'zod';
import { DISTRICT_CODES } from '../domain/districts.js';
import { APPLIANCES } from '../domain/equipment.js';
import { createRng } from '../domain/random.js';
import { StationIdSchema, type Station } from '../domain/station.js';
import { FAULT_CODE_PATTERN } from '../domain/telemetry.js';
import { REMOVABLE_ITEMS, type StationFault } from './model/station-fault.js';

// The fault plan: which faults hit which stations when, from a JSON file or --fault flags.
// Times are simulated time: absolute ISO-8601 with an offset, or "+90m" after the simulation start.

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)([smhd])$/;

const Duration = z
  .string()
  .regex(DURATION, 'expected a duration like 90s, 15m, 6h or 3d')
  .transform((s) => {
    const [, n, unit] = DURATION.exec(s)!;
    return Math.round(Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS]);
  });

/** Parses "90s", "15m", "6h", "3d" into milliseconds; throws with the expected format otherwise. */
export function parseDuration(text: string): number {
  const parsed = Duration.safeParse(text);
  if (!parsed.success) throw new Error(`"${text}": expected a duration like 90s, 15m, 6h or 3d`);
  return parsed.data;
}

/** Resolved against the simulation start: `{ offsetMs }` or `{ absolute }`. */
const At = z.union([
  z
    .string()
    .regex(/^\+\d/, 'relative times start with "+"')
    .pipe(
      z
        .string()
        .transform((s) => s.slice(1))
        .pipe(Duration),
    )
    .transform((offsetMs) => ({ offsetMs })),
  z.iso.datetime({ offset: true }).transform((s) => ({ absolute: Date.parse(s) })),
]);

const Stations = z.union([
  z.literal('all'),
  z.array(StationIdSchema).min(1),
  z.strictObject({
    random: z.number().int().min(1).describe('How many stations to pick (deterministic per seed)'),
    district: z.enum(DISTRICT_CODES).optional(),
  }),
]);

const common = {
  stations: Stations,
  at: At.default({ offsetMs: 0 }).describe('When it starts: "+15m" after the start, or an ISO time with offset'),
  for: Duration.optional().describe('How long it lasts (simulated); until the end when absent'),
};

export const FaultSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('appliance_fault'),
    ...common,
    appliance: z.enum(APPLIANCES),
    code: z.string().regex(FAULT_CODE_PATTERN, 'fault codes are 1-16 of A-Z 0-9 _'),
  }),
  z.strictObject({ kind: z.literal('fridge_warming'), ...common }),
  z.strictObject({ kind: z.literal('speaker_offline'), ...common }),
  z.strictObject({ kind: z.literal('closed_during_hours'), ...common }),
  z.strictObject({ kind: z.literal('station_offline'), ...common }),
  z.strictObject({ kind: z.literal('power_outage'), ...common }),
  z.strictObject({ kind: z.literal('wifi_drop'), ...common }),
  z.strictObject({ kind: z.literal('device_removed'), ...common, item: z.enum(REMOVABLE_ITEMS) }),
  z.strictObject({ kind: z.literal('bad_input'), ...common, everyS: z.number().positive().default(10).describe('Simulated seconds between hostile messages') }),
  z.strictObject({ kind: z.literal('reconnect_storm'), at: common.at }),
]);
export type FaultSpecInput = z.input<typeof FaultSpecSchema>;
export type FaultSpec = z.output<typeof FaultSpecSchema>;
/** Every kind a plan may use; the fault test's plan must exercise each. */
export const FAULT_KINDS = FaultSpecSchema.options.map((o) => o.shape.kind.value);

export const FaultPlanSchema = z.strictObject({ faults: z.array(FaultSpecSchema) });
export type FaultPlanInput = z.input<typeof FaultPlanSchema>;

export class FaultPlanError extends Error {
  constructor(source: string, detail: string) {
    super(`invalid fault plan (${source}):\n${detail}`);
    this.name = 'FaultPlanError';
  }
}

export function parseFaultPlan(data: unknown, source = 'plan'): FaultSpec[] {
  const parsed = FaultPlanSchema.safeParse(data);
  if (!parsed.success) throw new FaultPlanError(source, z.prettifyError(parsed.error));
  return parsed.data.faults;
}

export function loadFaultPlanFile(path: string): FaultSpec[] {
  return parseFaultPlan(
    readJson(path, (file, problems) => new FaultPlanError(file, problems.join('\n'))),
    path,
  );
}

/**
 * Parses one --fault flag: comma-separated key=value pairs, stations joined with "+", or
 * "all", or "random:3" / "random:3:SB". Example:
 *   kind=appliance_fault,stations=SN-0001+SN-0002,appliance=microwave,code=E21,at=+5m,for=30m
 */
export function parseFaultFlag(flag: string): FaultSpec {
  const entries = flag.split(',').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new FaultPlanError(`--fault ${flag}`, `"${pair}" is not key=value`);
    return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()] as const;
  });
  const raw: Record<string, unknown> = Object.fromEntries(entries);
  if (typeof raw.stations === 'string' && raw.stations !== 'all') {
    const random = /^random:(\d+)(?::([A-Z]+))?$/.exec(raw.stations);
    raw.stations = random ? { random: Number(random[1]), ...(random[2] ? { district: random[2] } : {}) } : raw.stations.split('+');
  }
  if (typeof raw.everyS === 'string') raw.everyS = Number(raw.everyS);
  return parseFaultPlan({ faults: [raw] }, `--fault ${flag}`)[0]!;
}

export interface BadInputWindow {
  stationId: string;
  from: number;
  until: number;
  everyMs: number;
}

export interface ResolvedFaults {
  byStation: Map<string, StationFault[]>;
  /** Simulated times at which every station drops and reconnects at once. */
  storms: number[];
  badInput: BadInputWindow[];
}

/** Turns specs into per-station windows for this fleet; unknown station ids are an error. */
export function resolveFaults(specs: readonly FaultSpec[], stations: readonly Station[], start: number, seed: number): ResolvedFaults {
  const ids = new Set(stations.map((s) => s.id));
  const resolved: ResolvedFaults = { byStation: new Map(), storms: [], badInput: [] };
  specs.forEach((spec, index) => {
    const from = 'absolute' in spec.at ? spec.at.absolute : start + spec.at.offsetMs;
    if (spec.kind === 'reconnect_storm') {
      resolved.storms.push(from);
      return;
    }
    const until = spec.for === undefined ? Number.MAX_SAFE_INTEGER : from + spec.for;
    // A fault of one device needs a station that reports it, else it would silently do nothing.
    const device = spec.kind === 'appliance_fault' ? spec.appliance : spec.kind === 'device_removed' ? spec.item : null;
    const hasDevice = (s: Station): boolean => device === null || s.equipment[device] === 'telemetry';
    let targets: string[];
    if (spec.stations === 'all') targets = stations.filter(hasDevice).map((s) => s.id);
    else if (Array.isArray(spec.stations)) {
      const unknown = spec.stations.filter((id) => !ids.has(id));
      if (unknown.length > 0) throw new FaultPlanError(`fault ${index + 1} (${spec.kind})`, `stations not in this fleet: ${unknown.join(', ')}`);
      const named = new Set(spec.stations);
      const lacking = stations.filter((s) => named.has(s.id) && !hasDevice(s)).map((s) => s.id);
      if (lacking.length > 0) throw new FaultPlanError(`fault ${index + 1} (${spec.kind})`, `no ${device} reporting telemetry at ${lacking.join(', ')}`);
      targets = spec.stations;
    } else {
      const { random, district } = spec.stations;
      const pool = stations.filter((s) => (!district || s.district === district) && hasDevice(s)).map((s) => s.id);
      const rng = createRng(`faults:${seed}:${index}`);
      targets = [];
      while (targets.length < Math.min(random, pool.length)) {
        const id = rng.pick(pool);
        if (!targets.includes(id)) targets.push(id);
      }
    }
    for (const stationId of targets) {
      if (spec.kind === 'bad_input') {
        resolved.badInput.push({ stationId, from, until, everyMs: spec.everyS * 1000 });
        continue;
      }
      const { stations: _s, at: _a, for: _f, ...rest } = spec;
      const list = resolved.byStation.get(stationId) ?? [];
      list.push({ ...rest, from, until } as StationFault);
      resolved.byStation.set(stationId, list);
    }
  });
  resolved.storms.sort((a, b) => a - b);
  return resolved;
}
