import type { AlertTransition, Attestation, Silence } from '../../domain/alerts.js';
import type { Appliance } from '../../domain/equipment.js';
import { OpeningHoursSchema, type OpeningHours } from '../../domain/schedule.js';
import type { Station } from '../../domain/station.js';
import { applyTelemetry, initialState, type StationState } from '../../domain/station-state.js';
import type { Telemetry } from '../../domain/telemetry.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { evaluateStation } from '../../rules/engine.js';
import { facilityStatus, latestAttestations } from '../../rules/facility.js';
import type { Track } from '../../rules/lifecycle.js';
import { parseRulesConfig, resolveRules, type RulesConfig } from '../../rules/rule-config.js';

// Synthetic timelines for rule tests: messages at chosen instants, the engine evaluated every
// `stepMs` like the service's timer, transitions collected.

export const S = 1000;
export const MIN = 60_000;
export const H = 3_600_000;
export const at = (local: string): number => Date.parse(`${local}+08:00`);

const registry = loadRegistryFile();
export const baseStation: Station = registry.get('SN-0001')!;

export const daily = (windows: Array<[string, string]>, closedDates: string[] = []): OpeningHours =>
  OpeningHoursSchema.parse({
    type: 'weekly',
    weekly: Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, windows.map(([open, close]) => ({ open, close }))])),
    closedDates,
  });

export const station = (patch: Partial<Station> = {}): Station => ({ ...baseStation, ...patch });

const id = baseStation.id;
export const msg = {
  heartbeat: (ts: number): Telemetry => ({
    channel: 'status',
    stationId: id,
    ts,
    data: { station: id, ts, online: true, reason: 'heartbeat', wifiRssiDbm: -60 },
  }),
  lwt: (ts: number): Telemetry => ({ channel: 'status', stationId: id, ts, data: { station: id, online: false, reason: 'lwt' } }),
  service: (ts: number, open: boolean, door: 'open' | 'closed' = open ? 'open' : 'closed'): Telemetry => ({
    channel: 'service',
    stationId: id,
    ts,
    data: { station: id, ts, open, door },
  }),
  people: (ts: number, people: number): Telemetry => ({ channel: 'occupancy', stationId: id, ts, data: { station: id, ts, people, entries: 0 } }),
  appliance: (
    ts: number,
    appliance: Appliance,
    fields: { on?: boolean; powerW?: number; faultCode?: string | null; tempC?: number; heating?: boolean } = {},
  ): Telemetry => ({
    channel: 'appliance',
    stationId: id,
    ts,
    data: {
      station: id,
      ts,
      appliance,
      on: fields.on ?? true,
      powerW: fields.powerW ?? 100,
      faultCode: fields.faultCode ?? null,
      ...(fields.tempC === undefined ? {} : { tempC: fields.tempC }),
      ...(fields.heating === undefined ? {} : { heating: fields.heating }),
    },
  }),
  speaker: (ts: number, online: boolean): Telemetry => ({
    channel: 'speaker',
    stationId: id,
    ts,
    data: { station: id, ts, online, wakeups: 0, queries: { news_policy: 0, qa: 0, learning: 0, relaxation: 0, life_services: 0 } },
  }),
};

export const config = (patch: Record<string, unknown> = {}): RulesConfig => parseRulesConfig({ version: 1, ...patch });

export interface Timeline {
  station?: Station;
  config?: RulesConfig;
  from: number;
  to: number;
  stepMs?: number;
  messages?: Telemetry[];
  /** Messages delivered at `at`, later than their own timestamp (a slow link, a replayed queue). */
  late?: Array<{ at: number; message: Telemetry }>;
  /** Messages generated every `everyMs` while `when(t)` holds (e.g. heartbeats). */
  periodic?: Array<{ everyMs: number; make: (t: number) => Telemetry; when?: (t: number) => boolean }>;
  silences?: Silence[];
  attestations?: Attestation[];
  rollingCompliance?: number | null;
  /** Called after every evaluation, to check what holds throughout and not only at the end. */
  afterStep?: (now: number, tracks: ReadonlyMap<string, Track>) => void;
}

export interface Run {
  transitions: AlertTransition[];
  tracks: Map<string, Track>;
  state: StationState;
  firing: (ruleId: string) => AlertTransition[];
  resolved: (ruleId: string) => AlertTransition[];
}

export function run(tl: Timeline): Run {
  const st = tl.station ?? station();
  const cfg = tl.config ?? config();
  const rules = resolveRules(cfg, st);
  const stepMs = tl.stepMs ?? 5 * S;
  const msgs = [...(tl.messages ?? [])].map((message) => ({ at: message.ts, message }));
  for (const p of tl.periodic ?? []) for (let t = tl.from; t < tl.to; t += p.everyMs) if (!p.when || p.when(t)) msgs.push({ at: t, message: p.make(t) });
  msgs.push(...(tl.late ?? []));
  msgs.sort((a, b) => a.at - b.at);
  let state = initialState(st);
  const attested = latestAttestations(tl.attestations ?? []);
  const tracks = new Map<string, Track>();
  const transitions: AlertTransition[] = [];
  let i = 0;
  for (let now = tl.from; now <= tl.to; now += stepMs) {
    while (i < msgs.length && msgs[i]!.at <= now) state = applyTelemetry(state, msgs[i++]!.message);
    const facility = facilityStatus(st, state, attested, { now, attestationMaxAgeMs: 90 * 24 * H, telemetryStaleMs: 900 * S });
    const r = evaluateStation({
      ctx: {
        station: st,
        state,
        now,
        watchingSince: tl.from,
        facility,
        rollingCompliance: tl.rollingCompliance ?? null,
        complianceThreshold: cfg.compliance.threshold,
      },
      rules,
      tracks,
      silences: tl.silences ?? [],
      escalateAfterMs: cfg.escalateAfterS * 1000,
    });
    for (const t of r.changed) tracks.set(t.key, t);
    transitions.push(...r.transitions);
    tl.afterStep?.(now, tracks);
  }
  const of = (ruleId: string, to: string) => transitions.filter((t) => t.alert.ruleId === ruleId && t.to === to && !t.escalated);
  return { transitions, tracks, state, firing: (r) => of(r, 'firing'), resolved: (r) => of(r, 'resolved') };
}
