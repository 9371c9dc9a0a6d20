import { z } from 'zod';
import { SEVERITIES, type Alert, type ComplianceSnapshot, type Severity } from '../domain/alerts.js';
import { DISTRICT_CODES } from '../domain/districts.js';
import type { Station } from '../domain/station.js';
import type { StationState } from '../domain/station-state.js';
import { pageQueryShape, type SortValue } from './list-query.js';
import { LIVE_STATES, type LiveJudgement } from './live-state.js';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const StationListQuerySchema = z.strictObject({
  district: z.enum(DISTRICT_CODES).optional(),
  state: z
    .enum([...LIVE_STATES, 'open', 'closed'])
    .optional()
    .describe('Live state; open/closed = online and (not) open for service'),
  compliance: z.enum(['failing', 'ok']).optional().describe('failing = below the open-all-year threshold'),
  facilityIssue: flag.optional().describe('true = some required item missing, faulted, silent or unattested'),
  q: z.string().trim().min(1).max(60).optional().describe('Text search in id, name and address'),
  ...pageQueryShape(['id', 'name', 'district', 'state', 'people', 'complianceToday', 'facilityPercent', 'activeAlerts', 'lastSeen'], 200),
});
export type StationListQuery = z.infer<typeof StationListQuerySchema>;

export const StationRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  district: z.enum(DISTRICT_CODES),
  address: z.string(),
  location: z.object({ lat: z.number(), lon: z.number() }).describe('WGS-84'),
  contactName: z.string().describe('Responsible person (责任人)'),
  contactPhone: z.string(),
  live: z.enum(LIVE_STATES),
  open: z.boolean(),
  lastSeen: z.number().nullable(),
  people: z.number().nullable(),
  complianceToday: z.number().nullable(),
  coverageToday: z.number().nullable().describe('Share of today’s scheduled time the platform watched (complianceToday is judged over that part only)'),
  failingOpenAllYear: z.boolean().nullable(),
  facilityPercent: z.number().nullable(),
  activeAlerts: z.number().int(),
  worstSeverity: z.enum(SEVERITIES).nullable(),
});
export type StationRow = z.infer<typeof StationRowSchema>;

export const StationListSchema = z.object({ total: z.number().int(), stations: z.array(StationRowSchema) }).meta({ id: 'StationList' });

export function stationRow(
  s: Station,
  state: StationState | undefined,
  judged: LiveJudgement,
  c: ComplianceSnapshot | undefined,
  alerts: readonly Alert[],
): StationRow {
  const active = alerts.filter((a) => a.stationId === s.id && a.state !== 'resolved');
  const worst = SEVERITIES.find((sev: Severity) => active.some((a) => a.severity === sev)) ?? null;
  return {
    id: s.id,
    name: s.name,
    district: s.district,
    address: s.address,
    location: s.location,
    contactName: s.responsiblePerson.name,
    contactPhone: s.contactPhone,
    live: judged.live,
    open: judged.open,
    lastSeen: state?.lastSeen ?? null,
    people: state?.people ?? null,
    complianceToday: c?.today ?? null,
    coverageToday: c?.coverage.today ?? null,
    failingOpenAllYear: c ? c.failingOpenAllYear : null,
    facilityPercent: c ? c.facility.percent : null,
    activeAlerts: active.length,
    worstSeverity: worst,
  };
}

export function filterStations(rows: readonly StationRow[], q: StationListQuery): StationRow[] {
  const needle = q.q?.toLowerCase();
  return rows.filter((r) => {
    if (q.district && r.district !== q.district) return false;
    if (q.state === 'open' && !r.open) return false;
    if (q.state === 'closed' && (r.live !== 'online' || r.open)) return false;
    if ((q.state === 'online' || q.state === 'offline' || q.state === 'unknown') && r.live !== q.state) return false;
    if (q.compliance && (r.failingOpenAllYear === true) !== (q.compliance === 'failing')) return false;
    if (q.facilityIssue !== undefined && (r.facilityPercent ?? 100) < 100 !== q.facilityIssue) return false;
    if (needle && ![r.id, r.name, r.address].some((t) => t.toLowerCase().includes(needle))) return false;
    return true;
  });
}

/** Where a row's live state sorts: the states an officer looks for first come first. */
const STATE_RANK = { offline: 0, unknown: 1, closed: 2, open: 3 } as const;

/** The sort key of each column of the station list. */
export const STATION_SORT: Record<NonNullable<StationListQuery['sort']>, (r: StationRow) => SortValue> = {
  id: (r) => r.id,
  name: (r) => r.name,
  district: (r) => r.district,
  state: (r) => STATE_RANK[r.live === 'online' ? (r.open ? 'open' : 'closed') : r.live],
  people: (r) => r.people,
  complianceToday: (r) => r.complianceToday,
  facilityPercent: (r) => r.facilityPercent,
  activeAlerts: (r) => r.activeAlerts,
  lastSeen: (r) => r.lastSeen,
};
