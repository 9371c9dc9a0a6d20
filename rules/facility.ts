import type { Attestation, FacilityStatus } from '../domain/alerts.js';
import { REQUIREMENTS, type Appliance, type EquipmentItem, type Requirement } from '../domain/equipment.js';
import type { Station } from '../domain/station.js';
import type { StationState } from '../domain/station-state.js';

// 设施配备: every requirement of the plan met by one of its items, each item either reporting
// telemetry without a fault, or attested present and working by a recent inspection.

export interface FacilityOptions {
  now: number;
  attestationMaxAgeMs: number;
  telemetryStaleMs: number;
}

type ItemVerdict = 'ok' | 'missing' | 'faulted' | 'not_reporting' | 'unattested';

function telemetryVerdict(item: EquipmentItem, state: StationState, o: FacilityOptions): ItemVerdict {
  const fresh = (at: number | null | undefined): boolean => at !== null && at !== undefined && o.now - at <= o.telemetryStaleMs;
  if (item === 'wifi') return state.online === true && state.wifiRssiDbm !== null && fresh(state.lastSeen) ? 'ok' : 'not_reporting';
  if (item === 'ai_speaker') return state.speaker?.online && fresh(state.speaker.at) ? 'ok' : 'not_reporting';
  const a = state.appliances[item as Appliance];
  if (!a || !fresh(a.at)) return 'not_reporting';
  return a.faultCode === null ? 'ok' : 'faulted';
}

function inspectionVerdict(latest: Attestation | undefined, o: FacilityOptions): ItemVerdict {
  if (!latest || o.now - latest.at > o.attestationMaxAgeMs) return 'unattested';
  if (!latest.present) return 'missing';
  return latest.working ? 'ok' : 'faulted';
}

const RANK: Record<ItemVerdict, number> = { ok: 0, unattested: 1, not_reporting: 2, faulted: 3, missing: 4 };

/** Newest attestation per item. */
export function latestAttestations(list: readonly Attestation[]): Map<EquipmentItem, Attestation> {
  const out = new Map<EquipmentItem, Attestation>();
  for (const a of list) {
    const prev = out.get(a.item);
    if (!prev || a.at >= prev.at) out.set(a.item, a);
  }
  return out;
}

/** Facility completeness of one station; each unmet requirement is listed once, under its best item's verdict. */
export function facilityStatus(
  station: Station,
  state: StationState,
  attestations: ReadonlyMap<EquipmentItem, Attestation>,
  o: FacilityOptions,
): FacilityStatus {
  const status: FacilityStatus = { percent: 0, missing: [], faulted: [], notReporting: [], unattested: [] };
  let met = 0;
  const verdictOf = (item: EquipmentItem): ItemVerdict => {
    const how = station.equipment[item];
    if (how === undefined) return 'missing';
    return how === 'telemetry' ? telemetryVerdict(item, state, o) : inspectionVerdict(attestations.get(item), o);
  };
  for (const req of REQUIREMENTS as readonly Requirement[]) {
    const best = req.anyOf.map(verdictOf).sort((a, b) => RANK[a] - RANK[b])[0]!;
    if (best === 'ok') met++;
    else if (best === 'missing') status.missing.push(req.id);
    else if (best === 'faulted') status.faulted.push(req.id);
    else if (best === 'not_reporting') status.notReporting.push(req.id);
    else status.unattested.push(req.id);
  }
  status.percent = Math.round((met / REQUIREMENTS.length) * 1000) / 10;
  return status;
}

/** District completeness: the mean of its stations' percentages. */
export function districtFacilityPercent(statuses: readonly FacilityStatus[]): number | null {
  if (statuses.length === 0) return null;
  return Math.round((statuses.reduce((s, f) => s + f.percent, 0) / statuses.length) * 10) / 10;
}
