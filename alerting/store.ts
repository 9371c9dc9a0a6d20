import type { Alert, AlertTransition, Attestation } from '../domain/alerts.js';
import type { DistrictCode } from '../domain/districts.js';
import type { DailyRollup } from '../rules/compliance.js';
import type { CoverageMark } from '../rules/coverage.js';
import type { Sample } from '../rules/serving.js';

// What the alerting service keeps durably in the time-series store, behind a small interface: the
// service and its tests depend on this, InfluxDB (influx-store.ts) is one implementation. What
// people record (silences, attestations) is in the relational database: manual-records.ts.

export interface StoredTransition {
  transition: AlertTransition;
  /**
   * The track's `audibleSince`: when the open alert fired or was unmuted (escalation counts from
   * there); null while muted and once resolved. Stored under its first name, so old records load.
   */
  firedAt: number | null;
  comment?: string;
}

export type StoreRecord =
  | { kind: 'transition'; stored: StoredTransition }
  /** A checkpoint of an open alert between transitions (its last-seen time and summary move on). */
  | { kind: 'snapshot'; alert: Alert; firedAt: number | null; at: number }
  /** A copy for the history boards; the record is in the relational database (manual-records.ts). */
  | { kind: 'attestation'; attestation: Attestation; district: DistrictCode }
  | { kind: 'rollup'; rollup: DailyRollup };

export interface LoadedAlerts {
  /** The newest state of every key ever seen: its last transition, or a later checkpoint (as a same-state transition). */
  latest: StoredTransition[];
  /** Alerts resolved since the asked time, newest state of each. */
  resolved: Alert[];
}

export interface ServingSamples {
  /** Service "open" samples in [from, to), preceded by the last one before `from`. */
  open: Sample[];
  /** Status "online" samples in [from − staleMs, to). */
  online: Sample[];
}

export interface AlertStore {
  /** Queues a record; written in the background in batches. */
  append(record: StoreRecord): void;
  /** Writes a record and resolves only once it is confirmed stored (read back). */
  save(record: StoreRecord): Promise<void>;
  loadAlerts(resolvedSince: number): Promise<LoadedAlerts>;
  /** Daily rollups with a date on or after `sinceDate` (YYYY-MM-DD). */
  loadRollups(sinceDate: string): Promise<DailyRollup[]>;
  /** Raw telemetry of one station, for recomputing its open time (rollups, restart mid-day, backfill). */
  loadServingSamples(stationId: string, from: number, to: number, staleMs: number): Promise<ServingSamples>;
  /** The same for every station of a district in three reads (short ranges: a day of a whole district). */
  loadDistrictServingSamples(district: DistrictCode, from: number, to: number, staleMs: number): Promise<Map<string, ServingSamples>>;
  /** Coverage points that may cover part of [from, to) (platform_coverage). */
  loadCoverage(from: number, to: number): Promise<CoverageMark[]>;
  flush(): Promise<void>;
  close(): Promise<void>;
}
