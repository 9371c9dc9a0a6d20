import type { Generated } from 'kysely';

// The relational tables, as Kysely sees them. Times are epoch milliseconds (bigint columns, read
// back as numbers); flags are 0/1 integers and lists JSON text, so SQLite and PostgreSQL share
// every query.

/** The two databases the query layer runs on. */
export type DbDialect = 'sqlite' | 'postgres';

export interface UsersTable {
  username: string;
  display_name: string;
  role: string;
  district: string | null;
  password_hash: string;
  created_at: number;
}

export interface AcceptanceScoresTable {
  district: string;
  year: number;
  item_no: number;
  score: number;
  note: string;
  by: string;
  at: number;
}

/** Append-only: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  username: string;
  role: string;
  action: string;
  district: string | null;
  target: string;
  /** JSON text, or null. */
  detail: string | null;
}

export interface SilencesTable {
  id: string;
  station_id: string;
  /** JSON array of rule ids; empty: every rule. */
  rule_ids: string;
  from_ms: number;
  until_ms: number;
  reason: string;
  created_by: string;
}

export interface AttestationsTable {
  id: Generated<number>;
  station_id: string;
  district: string;
  item: string;
  present: number;
  working: number;
  by: string;
  note: string | null;
  at: number;
}

/** One row per import of an older store (JSON file, InfluxDB measurement): done once, by whichever node gets there first. */
export interface ImportsTable {
  source: string;
  origin: string;
  imported: number;
  skipped: number;
  at: number;
}

export interface InspectionsTable {
  id: string;
  station_id: string;
  district: string;
  /** Username of who visited. */
  inspector: string;
  visited_at: number;
  notes: string;
  created_at: number;
}

/** One row per item checked on a visit: an equipment item or a site check (domain/inspection.ts). */
export interface InspectionItemsTable {
  inspection_id: string;
  item: string;
  present: number;
  working: number;
  note: string | null;
}

export interface InspectionPhotosTable {
  id: string;
  inspection_id: string;
  content_type: string;
  size: number;
  sha256: string;
  data: Buffer;
  uploaded_by: string;
  uploaded_at: number;
}

export interface SelfChecksTable {
  district: string;
  year: number;
  /** domain/self-check.ts SELF_CHECK_STATES */
  state: string;
  submitted_by: string | null;
  submitted_at: number | null;
  /** The acceptance form as submitted, JSON. */
  submitted_form: string | null;
  reviewed_by: string | null;
  reviewed_at: number | null;
  review_comment: string | null;
}

/** The newest state of each alert (migration 0004); written by the alerting leader only, under its fencing token. */
export interface AlertsTable {
  key: string;
  district: string;
  state: string;
  resolved_at: number | null;
  /** StoredTransition JSON (alerting/store.ts). */
  record: string;
  fence: number;
  /** Numbers the write that stored the row (one higher than any before it): followers read what changed since theirs. */
  version: number;
}

/** One row, 'alerting': the highest fencing token that wrote alert state. */
export interface AlertingFenceTable {
  name: string;
  token: number;
}

/** The yearly acceptance round per station (domain/station-acceptance.ts). */
export interface StationAcceptancesTable {
  year: number;
  station_id: string;
  district: string;
  nominated_by: string;
  nominated_at: number;
  nomination_note: string;
  /** accepted | rectify, null until the city decides. */
  result: string | null;
  /** Local date (YYYY-MM-DD) a station to rectify must be put right by. */
  rectify_by: string | null;
  result_note: string | null;
  decided_by: string | null;
  decided_at: number | null;
  plaque_name: string | null;
  /** Local date of the plaquing. */
  plaqued_on: string | null;
  plaqued_by: string | null;
  /** granted | paid. */
  subsidy: string | null;
  subsidy_yuan: number | null;
  subsidy_by: string | null;
  subsidy_at: number | null;
}

/** A declared closure or schedule change and its decision (domain/schedule-requests.ts). */
export interface ScheduleRequestsTable {
  id: Generated<number>;
  station_id: string;
  district: string;
  /** closure | schedule */
  kind: string;
  /** pending | approved | rejected | withdrawn */
  state: string;
  /** Closure: first and last local date (YYYY-MM-DD) and why (CLOSURE_REASONS). */
  closure_from: string | null;
  closure_to: string | null;
  closure_reason: string | null;
  /** Schedule change: the local date it applies from, and the new hours (WeekHours JSON). */
  effective_from: string | null;
  hours: string | null;
  note: string;
  requested_by: string;
  requested_at: number;
  decided_by: string | null;
  decided_at: number | null;
  decision_note: string | null;
}

export interface Tables {
  users: UsersTable;
  acceptance_scores: AcceptanceScoresTable;
  audit_log: AuditLogTable;
  silences: SilencesTable;
  attestations: AttestationsTable;
  imports: ImportsTable;
  inspections: InspectionsTable;
  inspection_items: InspectionItemsTable;
  inspection_photos: InspectionPhotosTable;
  self_checks: SelfChecksTable;
  alerts: AlertsTable;
  alerting_fence: AlertingFenceTable;
  station_acceptances: StationAcceptancesTable;
  schedule_requests: ScheduleRequestsTable;
}
