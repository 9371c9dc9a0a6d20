import type { Schedule } from './schedule.js';
import type { DistrictCode } from './districts.js';
import type { EquipmentItem } from './equipment.js';

// The contract between the rules engine/alerting (which produces alerts and compliance) and
// its consumers (dashboard API, Socket.IO, Grafana). Types only.

export const SEVERITIES = ['critical', 'major', 'minor', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface Alert {
  /** One alert per (station, rule): `${stationId}:${ruleId}`. */
  key: string;
  ruleId: string;
  stationId: string;
  district: DistrictCode;
  severity: Severity;
  state: AlertState;
  summaryZh: string;
  summaryEn: string;
  /** Epoch ms. */
  firstSeen: number;
  lastSeen: number;
  acknowledgedBy?: string;
  acknowledgedAt?: number;
  ackComment?: string;
  resolvedAt?: number;
  /** A user, or 'system' when the condition cleared by itself. */
  resolvedBy?: string;
  /** Comment given when a user resolved the alert by hand. */
  resolveComment?: string;
  escalated: boolean;
  /** Set while notifications are muted: by a silence, or because the station itself is offline (inhibition). */
  suppressedBy?: 'silence' | 'inhibition';
}

export interface AlertTransition {
  alert: Alert;
  from: AlertState | null;
  to: AlertState;
  at: number;
  by?: string;
  /** Set on the firing→firing transition that escalated an unacknowledged alert to city staff. */
  escalated?: boolean;
}

export interface Silence {
  id: string;
  stationId: string;
  /** Rule ids muted; empty means every rule of the station (maintenance window). */
  ruleIds: string[];
  from: number;
  until: number;
  reason: string;
  createdBy: string;
}

/** An inspection's word on a manual facility item. */
export interface Attestation {
  stationId: string;
  item: EquipmentItem;
  present: boolean;
  working: boolean;
  by: string;
  at: number;
  note?: string;
}

export interface FacilityStatus {
  /** Share of the plan's requirements met, 0..100. */
  percent: number;
  missing: string[];
  faulted: string[];
  notReporting: string[];
  unattested: string[];
}

/**
 * Where a station's scheduled time went over a window. The platform's watched scheduled time
 * (scheduledMs) splits into open, reported closed (online, not saying open) and offline; time it was
 * not watching is uncoveredMs, apart; declaredClosedMs is what its weekly hours would have scheduled
 * on declared closure dates (closedDates), not scheduled at all.
 */
export interface ComplianceTime {
  scheduledMs: number;
  openMs: number;
  closedMs: number;
  offlineMs: number;
  uncoveredMs: number;
  declaredClosedMs: number;
}

export interface ComplianceSnapshot {
  stationId: string;
  district: DistrictCode;
  /** Open time ÷ scheduled time the platform was watching, 0..1; null when nothing watched was scheduled. */
  today: number | null;
  last30Days: number | null;
  yearToDate: number | null;
  /** Watched ÷ all scheduled time per window, 0..1 (shown beside the figures); null when nothing was scheduled. */
  coverage: { today: number | null; last30Days: number | null; yearToDate: number | null };
  /** The time behind the figures per window: districts pool these (Σopen ÷ Σscheduled). */
  time: { today: ComplianceTime; last30Days: ComplianceTime; yearToDate: ComplianceTime };
  /** Below the configured threshold: failing 常年正常开放. */
  failingOpenAllYear: boolean;
  facility: FacilityStatus;
}

export interface AlertFilter {
  district?: DistrictCode;
  stationId?: string;
  state?: AlertState;
  severity?: Severity;
}

/**
 * Why an AlertingPort mutation was refused: the API maps not_found → 404, conflict → 409, invalid → 400,
 * unavailable → 503 (no alerting leader answered: dashboard nodes while the lease changes hands).
 */
export class AlertingError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict' | 'invalid' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'AlertingError';
  }
}

/** What the alerting service offers the dashboard API; every mutation resolves only once stored durably. */
export interface AlertingPort {
  list(filter?: AlertFilter): Alert[];
  get(key: string): Alert | undefined;
  acknowledge(key: string, by: string, comment: string): Promise<Alert>;
  resolve(key: string, by: string, comment?: string): Promise<Alert>;
  silence(input: Omit<Silence, 'id'>): Promise<Silence>;
  silences(stationId?: string): Silence[];
  attest(attestation: Attestation): Promise<void>;
  attestations(stationId: string): Attestation[];
  compliance(stationId?: string): ComplianceSnapshot[];
  /** The schedule a station is judged by (approved closures and schedule changes applied); undefined: its registry hours. */
  scheduleOf(stationId: string): Schedule | undefined;
  /** Subscribes to alert transitions; returns the unsubscribe function. */
  onTransition(listener: (t: AlertTransition) => void): () => void;
}
