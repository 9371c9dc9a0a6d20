import type { Logger } from 'pino';
import type { Alert, AlertingPort, ComplianceSnapshot } from '../domain/alerts.js';
import type { DistrictCode } from '../domain/districts.js';
import type { Registry } from '../domain/registry.js';
import type { Station } from '../domain/station.js';
import type { StationState } from '../domain/station-state.js';
import type { Telemetry } from '../domain/telemetry.js';
import type { AcceptanceStore } from './acceptance-store.js';
import type { AuditLog } from './audit-log.js';
import type { InspectionStore } from './inspection-store.js';
import type { ScheduleLimits } from '../domain/schedule-requests.js';
import type { ScheduleRequestStore } from './schedule-request-store.js';
import type { SelfCheckStore } from './self-check-store.js';
import type { StationAcceptanceStore } from './station-acceptance-store.js';
import type { TokenService } from './auth/tokens.js';
import { assertCanSee } from './auth/scope.js';
import type { User, UserStore } from './auth/users.js';
import { notFound } from './http-errors.js';
import { judgeLive, type LiveJudgement } from './live-state.js';

/** What the dashboard needs of the telemetry consumer (lib/telemetry-consumer.ts). */
export interface LiveFeed {
  readonly states: ReadonlyMap<string, StationState>;
  on(event: 'telemetry', listener: (message: Telemetry, state: StationState) => void): unknown;
  off(event: 'telemetry', listener: (message: Telemetry, state: StationState) => void): unknown;
}

/** The one InfluxDB call the dashboard makes (lib/influx/client.ts). */
export interface HistorySource {
  query(influxql: string, params?: Record<string, string | number | boolean>): Promise<Array<Record<string, unknown>>>;
}

export interface ApiContext {
  registry: Registry;
  live: LiveFeed;
  alerting: AlertingPort;
  influx: HistorySource;
  users: UserStore;
  tokens: TokenService;
  audit: AuditLog;
  acceptance: AcceptanceStore;
  inspections: InspectionStore;
  selfChecks: SelfCheckStore;
  stationAcceptances: StationAcceptanceStore;
  scheduleRequests: ScheduleRequestStore;
  /** What a closure or schedule change request may ask (DASHBOARD_MIN_WEEKLY_OPEN_HOURS, DASHBOARD_MAX_CLOSURE_DAYS). */
  scheduleLimits: ScheduleLimits;
  logger: Logger;
  now: () => number;
  /** Every station's compliance snapshot by id, at most `DASHBOARD_COMPLIANCE_TTL_MS` old. */
  complianceById: () => ReadonlyMap<string, ComplianceSnapshot>;
  /** Open compliance below this fails 常年正常开放 (the rules' compliance.threshold). */
  complianceThreshold: number;
  /** The station_offline rule's heartbeat threshold per station, as the alerting service resolves it. */
  offlineAfterMs: (stationId: string) => number;
}

/** Online / open now of one station, judged like the rules engine (heartbeat age included). */
export const liveOf = (ctx: Pick<ApiContext, 'live' | 'now' | 'offlineAfterMs'>, stationId: string): LiveJudgement =>
  judgeLive(ctx.live.states.get(stationId), ctx.now(), ctx.offlineAfterMs(stationId));

/**
 * Computing all 600 snapshots costs the alerting service 10-20 ms; ratios over days and months
 * barely move in a few seconds, so the fleet views share one copy, refreshed by a timer off the
 * request path (no request pays for the refresh). `ttlMs` 0: computed on every call.
 */
export function complianceCache(alerting: AlertingPort, ttlMs: number): { get: () => ReadonlyMap<string, ComplianceSnapshot>; close(): void } {
  const compute = (): ReadonlyMap<string, ComplianceSnapshot> => new Map(alerting.compliance().map((c) => [c.stationId, c]));
  if (ttlMs === 0) return { get: compute, close: () => undefined };
  let byId: ReadonlyMap<string, ComplianceSnapshot> | null = null;
  const timer = setInterval(() => (byId = compute()), ttlMs);
  timer.unref();
  return {
    get: () => (byId ??= compute()),
    close: () => clearInterval(timer),
  };
}

/** Unresolved alerts, optionally of one district. */
export function activeAlerts(alerting: AlertingPort, district?: DistrictCode): Alert[] {
  return alerting.list(district ? { district } : {}).filter((a) => a.state !== 'resolved');
}

/** The station, if it exists (404) and the user may see it (403). */
export function visibleStation(registry: Registry, user: User, id: string): Station {
  const station = registry.get(id);
  if (!station) throw notFound(`station ${id}`);
  assertCanSee(user, station.district, `station ${id}`);
  return station;
}
