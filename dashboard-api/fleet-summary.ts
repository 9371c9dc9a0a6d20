import { z } from 'zod';
import { SEVERITIES, type Alert, type ComplianceSnapshot, type ComplianceTime, type Severity } from '../domain/alerts.js';
import { DISTRICTS, PLAN_YEARS, type DistrictCode } from '../domain/districts.js';
import { isScheduledOpen, type Schedule } from '../domain/schedule.js';
import type { Station } from '../domain/station.js';
import type { StationState } from '../domain/station-state.js';
import { complianceOf, coverageOf, pooledTime } from '../rules/compliance.js';
import { judgeLive } from './live-state.js';

// Pure views over registry + live state + alerting output; the routes and the Socket.IO
// snapshot both use them.

const ratio = z.number().min(0).max(1).nullable();
const severityCounts = z.object(Object.fromEntries(SEVERITIES.map((s) => [s, z.number().int()])) as Record<Severity, z.ZodNumber>);

export const DistrictSummarySchema = z.object({
  code: z.string(),
  nameZh: z.string(),
  nameEn: z.string(),
  registered: z.number().int(),
  targets: z.record(z.string(), z.number().int().nullable()).describe('Plan target per year (null where the plan gives none)'),
  online: z.number().int(),
  offline: z.number().int(),
  unknown: z.number().int(),
  openNow: z.number().int().describe('Online and open for service now, whether or not its hours say it should be'),
  scheduledOpenNow: z.number().int().describe('Scheduled open now by their opening hours (declared closure days excluded)'),
  openInHours: z.number().int().describe('Of scheduledOpenNow, those open now: the figure to read against scheduledOpenNow'),
  openOutsideHours: z.number().int().describe('Open now though not scheduled open (openNow = openInHours + openOutsideHours)'),
  activeAlerts: severityCounts,
  compliance: z
    .object({ today: ratio, last30Days: ratio, yearToDate: ratio })
    .describe(
      'Open-compliance of the district, pooled time: Σopen ÷ Σscheduled over its stations, counting only time the platform was watching (as the monthly report and Grafana)',
    ),
  coverage: z
    .object({ today: ratio, last30Days: ratio, yearToDate: ratio })
    .describe('Share of the district’s scheduled time the platform was watching (the rest is not judged)'),
  notOpen: z
    .object({ closedMs: z.number().int(), offlineMs: z.number().int(), uncoveredMs: z.number().int(), declaredClosedMs: z.number().int() })
    .describe('Last 30 days: scheduled time reported closed, offline, not watched, and declared closures (closedDates), in ms'),
  failingOpenAllYear: z.number().int(),
  facility: z.object({ meanPercent: z.number().nullable(), complete: z.number().int(), withIssues: z.number().int() }),
});
export type DistrictSummary = z.infer<typeof DistrictSummarySchema>;

const WindowRatios = z.object({ today: ratio, last30Days: ratio, yearToDate: ratio });
export const FleetSummarySchema = z
  .object({
    at: z.number().int(),
    districts: z.array(DistrictSummarySchema),
    all: z
      .object({ compliance: WindowRatios, coverage: WindowRatios })
      .describe('The districts listed together, pooled time as each district: Σopen ÷ Σwatched scheduled over all their stations'),
  })
  .meta({ id: 'FleetSummary' });
export type FleetSummary = z.infer<typeof FleetSummarySchema>;

type Window = 'today' | 'last30Days' | 'yearToDate';
const WINDOWS: readonly Window[] = ['today', 'last30Days', 'yearToDate'];
/** Compliance and coverage of pooled time, per window. */
function pooledRatios(snaps: ReadonlyArray<{ time: Record<Window, ComplianceTime> }>) {
  const time = Object.fromEntries(WINDOWS.map((w) => [w, pooledTime(snaps.map((c) => c.time[w]))])) as Record<Window, ComplianceTime>;
  const each = (f: (t: ComplianceTime) => number | null) => ({ today: f(time.today), last30Days: f(time.last30Days), yearToDate: f(time.yearToDate) });
  return { time, compliance: each(complianceOf), coverage: each(coverageOf) };
}

const mean = (values: Array<number | null>): number | null => {
  const xs = values.filter((v): v is number => v !== null);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
};

/**
 * Which stations are scheduled open, recomputed once per minute: schedules have minute
 * resolution, and evaluating 600 of them on every summary request would dominate its cost.
 */
export function scheduledOpenCache(hoursOf: (s: Station) => Schedule): (stations: readonly Station[], now: number) => ReadonlySet<string> {
  let minute = -1;
  let open = new Set<string>();
  let counted: readonly Station[] = [];
  return (stations, now) => {
    const m = Math.floor(now / 60_000);
    if (m !== minute || stations !== counted) {
      open = new Set(stations.filter((s) => isScheduledOpen(hoursOf(s), now)).map((s) => s.id));
      minute = m;
      counted = stations;
    }
    return open;
  };
}

export interface FleetInputs {
  /** Every registry station (the cache key of `scheduledOpen`); filtered to `districts` here. */
  stations: readonly Station[];
  scheduledOpen: ReadonlySet<string>;
  states: ReadonlyMap<string, StationState>;
  /** Active (unresolved) alerts. */
  alerts: readonly Alert[];
  compliance: ReadonlyMap<string, ComplianceSnapshot>;
  now: number;
  /** The station_offline rule's heartbeat threshold per station (live-state.ts). */
  offlineAfterMs: (stationId: string) => number;
}

export function fleetSummary(input: FleetInputs, districts: readonly DistrictCode[]): z.infer<typeof FleetSummarySchema> {
  const byDistrict = new Map<DistrictCode, Station[]>();
  for (const s of input.stations) byDistrict.set(s.district, [...(byDistrict.get(s.district) ?? []), s]);
  const listed: Array<{ time: Record<Window, ComplianceTime> }> = [];
  const rows = DISTRICTS.filter((d) => districts.includes(d.code)).map((d) => {
    const stations = byDistrict.get(d.code) ?? [];
    const counts = { online: 0, offline: 0, unknown: 0, openNow: 0, scheduledOpenNow: 0, openInHours: 0, openOutsideHours: 0 };
    for (const s of stations) {
      const { live, open } = judgeLive(input.states.get(s.id), input.now, input.offlineAfterMs(s.id));
      const scheduled = input.scheduledOpen.has(s.id);
      counts[live]++;
      if (open) counts.openNow++;
      if (scheduled) counts.scheduledOpenNow++;
      // Kept apart so "open / scheduled" never counts a station its hours do not ask to be open.
      if (open) counts[scheduled ? 'openInHours' : 'openOutsideHours']++;
    }
    const activeAlerts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    for (const a of input.alerts) if (a.district === d.code && a.state !== 'resolved') activeAlerts[a.severity]++;
    const snaps = stations.flatMap((s) => input.compliance.get(s.id) ?? []);
    listed.push(...snaps);
    const { time, compliance, coverage } = pooledRatios(snaps);
    const { closedMs, offlineMs, uncoveredMs, declaredClosedMs } = time.last30Days;
    return {
      code: d.code,
      nameZh: d.nameZh,
      nameEn: d.nameEn,
      registered: stations.length,
      targets: Object.fromEntries(PLAN_YEARS.map((y) => [String(y), d.targets[y]])),
      ...counts,
      activeAlerts,
      compliance,
      coverage,
      notOpen: { closedMs, offlineMs, uncoveredMs, declaredClosedMs },
      failingOpenAllYear: snaps.filter((c) => c.failingOpenAllYear).length,
      facility: {
        meanPercent: mean(snaps.map((c) => c.facility.percent)),
        complete: snaps.filter((c) => c.facility.percent >= 100).length,
        withIssues: snaps.filter((c) => c.facility.percent < 100).length,
      },
    };
  });
  const { compliance, coverage } = pooledRatios(listed);
  return { at: input.now, districts: rows, all: { compliance, coverage } };
}
