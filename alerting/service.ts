import { randomUUID } from 'node:crypto';
import type { Registry as MetricsRegistry } from 'prom-client';
import {
  AlertingError,
  type AlertingPort,
  type AlertTransition,
  type Attestation,
  type ComplianceSnapshot,
  type FacilityStatus,
  type Silence,
} from '../domain/alerts.js';
import { EQUIPMENT_ITEMS } from '../domain/equipment.js';
import type { Registry } from '../domain/registry.js';
import { DAY_MS, midnightOfDate, localDateOf, type Schedule, type ScheduleOf } from '../domain/schedule.js';
import { effectiveSchedule, type RequestedChange } from '../domain/schedule-requests.js';
import type { Station } from '../domain/station.js';
import { initialState, type StationState } from '../domain/station-state.js';
import type { Telemetry } from '../domain/telemetry.js';
import type { Logger } from '../lib/logger.js';
import { complianceOf, coverageOf, rollupDay, type DailyRollup } from '../rules/compliance.js';
import { evaluateStation } from '../rules/engine.js';
import { facilityStatus, latestAttestations } from '../rules/facility.js';
import { acknowledge, resolveByHand } from '../rules/lifecycle.js';
import { resolveRules, type ResolvedRule, type RulesConfig } from '../rules/rule-config.js';
import { stationSignals, trackerFromSamples } from '../rules/serving.js';
import { CHECKPOINT_MS, restoreAlertBook } from './alert-book.js';
import { createComplianceBook, keptSince } from './compliance-book.js';
import { coverageView } from './coverage-view.js';
import { historyRollups } from './history-rollups.js';
import { liveStates } from './live-states.js';
import type { Notifier } from './notifier.js';
import type { ManualRecords } from './manual-records.js';
import { restoreOpenTime } from './open-time.js';
import { alertingMetrics } from './service-metrics.js';
import { sampleReader } from './serving-samples.js';
import type { AlertStore } from './store.js';

// The alerting service: telemetry and timers in, the pure engine in the middle, the store and
// the notifier out. Implements AlertingPort for the dashboard API. Its parts: the alerts
// (alert-book.ts), the held rollups and compliance (compliance-book.ts), today's open time
// (open-time.ts), the platform's coverage (coverage-view.ts), the raw-sample reads
// (serving-samples.ts), the live states the rules judge (live-states.ts) and the days history
// touched (history-rollups.ts); here they are wired to the engine.

export interface AlertingServiceOptions {
  registry: Registry;
  rules: RulesConfig;
  store: AlertStore;
  /** Silences, attestations and approved closures and schedule changes (the relational database). */
  records: ManualRecords;
  notifier: Notifier;
  /** Station states known at start (the telemetry consumer's map); the rules then fold live telemetry on their own. */
  states: ReadonlyMap<string, StationState>;
  logger: Logger;
  metrics: MetricsRegistry;
  now?: () => number;
  /**
   * A follower of the alerting leader (several dashboard nodes): it judges nothing and writes no alert,
   * shows the leader's alerts from this view (shared-alerts.ts) and refuses changes (the dashboard
   * sends them to the leader); compliance, open time and facility figures it computes itself.
   */
  follower?: Pick<AlertingPort, 'list' | 'get'>;
}

export interface AlertingService extends AlertingPort {
  /** Feed of the telemetry consumer: keeps today's open time and, for live telemetry, re-judges the station at once. */
  handleTelemetry(message: Telemetry): void;
  /** Judges every station at `now` (the timer calls this). */
  evaluate(now?: number): AlertTransition[];
  /** Starts the evaluation timer. */
  start(): void;
  /** Recomputes one local day's rollups from the raw telemetry in the store, and stores them. */
  rollupDay(date: string): Promise<DailyRollup[]>;
  /** The same for every day from fromDate to toDate inclusive (catch-up, backfills). */
  rollupRange(fromDate: string, toDate: string): Promise<DailyRollup[]>;
  /** All daily rollups held (current year and the rolling window). */
  rollups(): readonly DailyRollup[];
  /** Re-reads silences, attestations and approved schedule requests other nodes stored (the timer calls this every RECORDS_REFRESH_MS). */
  refreshRecords(): Promise<void>;
  /** Reads the platform coverage written since the last read (the timer calls this). */
  refreshCoverage(now?: number): Promise<void>;
  /** Once history has stopped arriving for a while, recomputes the days it touched (the timer calls this); returns those dates. */
  rollupHistory(now?: number): Promise<string[]>;
  close(): Promise<void>;
}

/** How often the platform's coverage is re-read for the live day's figures. */
const COVERAGE_REFRESH_MS = 30_000;
/** History (backfill) must have been quiet this long before the days it touched are recomputed. */
const HISTORY_QUIET_MS = 60_000;
/** Silences, attestations and approved schedule requests other nodes wrote are re-read this often. */
export const RECORDS_REFRESH_MS = 5000;

export async function createAlertingService(o: AlertingServiceOptions): Promise<AlertingService> {
  const { registry, rules: config, store, records, logger } = o;
  const clock = o.now ?? Date.now;
  const startedAt = clock();
  const escalateAfterMs = config.escalateAfterS * 1000;
  const retentionMs = config.resolvedRetentionDays * DAY_MS;

  const resolved = new Map<string, ResolvedRule[]>(registry.stations.map((s) => [s.id, resolveRules(config, s)]));
  /** Compliance's own heartbeat tolerance: not the station_offline rule's, nor its district overrides. */
  const onlineAfterMs = config.compliance.onlineAfterS * 1000;
  const metrics = alertingMetrics(o.metrics);
  const live = liveStates(registry, o.states, config.liveWindowS * 1000, metrics);
  const replayed = historyRollups(HISTORY_QUIET_MS);

  // ---- state, rebuilt from the store
  const alerts = await restoreAlertBook({ registry, store, notifier: o.notifier, logger, metrics, clock, retentionMs });
  let silences = await records.loadSilences(startedAt);
  /** Bumped by each silence made here: a re-read that began before it must not drop it. */
  let silencesMade = 0;
  const attestations = new Map<string, Attestation[]>();
  /** Rows read so far, and rows written here and not yet seen by a re-read (held already). */
  let attestationsReadTo = 0;
  const attestedHere = new Set<number>();
  const addAttestation = (a: Attestation): void => void attestations.set(a.stationId, [...(attestations.get(a.stationId) ?? []), a]);
  async function readAttestations(since: number): Promise<void> {
    for (const { id, attestation } of await records.attestationsAfter(attestationsReadTo, since)) {
      attestationsReadTo = Math.max(attestationsReadTo, id);
      if (!attestedHere.delete(id)) addAttestation(attestation);
    }
  }
  await readAttestations(startedAt - 2 * 366 * DAY_MS);
  /** Stations with approved closures or schedule changes: their schedule per date (the rest keep the registry's hours). */
  let schedules = new Map<string, ScheduleOf>();
  async function readSchedules(): Promise<void> {
    const byStation = new Map<string, RequestedChange[]>();
    for (const r of await records.approvedScheduleRequests()) {
      if (!registry.get(r.stationId)) continue;
      byStation.set(r.stationId, [...(byStation.get(r.stationId) ?? []), { ...r, seq: r.id }]);
    }
    schedules = new Map([...byStation].map(([id, changes]) => [id, effectiveSchedule(registry.get(id)!.openingHours, changes)]));
  }
  await readSchedules();
  const hoursOf = (s: Station): Schedule => schedules.get(s.id) ?? s.openingHours;
  /** Other nodes' silences, attestations and decisions (every dashboard node records them in the shared database). */
  async function refreshRecords(): Promise<void> {
    const made = silencesMade;
    const fresh = await records.loadSilences(clock());
    if (made === silencesMade) silences = fresh;
    await readAttestations(0);
    await readSchedules();
  }
  const compliance = createComplianceBook(config.compliance, await store.loadRollups(keptSince(config.compliance, startedAt)));
  const readSamples = sampleReader(registry, store, onlineAfterMs);
  const coverage = coverageView(store, onlineAfterMs);
  const openTime = await restoreOpenTime(registry, onlineAfterMs, readSamples, coverage, startedAt, hoursOf);
  logger.info(
    { event: 'alerting_restored', open: alerts.tracks.size, resolved: alerts.resolvedCount(), silences: silences.length, rollups: compliance.all().length },
    'alerting state rebuilt from the store',
  );

  const stateOf = (s: Station): StationState => live.get(s.id) ?? initialState(s);
  const facilityOf = (s: Station, now: number, state = stateOf(s)): FacilityStatus =>
    facilityStatus(s, state, latestAttestations(attestations.get(s.id) ?? []), {
      now,
      attestationMaxAgeMs: config.facility.attestationMaxAgeDays * DAY_MS,
      telemetryStaleMs: config.facility.telemetryStaleS * 1000,
    });
  const figuresOf = (s: Station, now: number) => compliance.figures(s.id, openTime.today(s, now), now);

  function judge(s: Station, now: number, state = stateOf(s)): AlertTransition[] {
    if (o.follower) return [];
    // The rules (closed in hours) judge by the hours in force today: an approved closure is no lapse.
    const hours = schedules.get(s.id);
    const ctx = {
      station: hours ? { ...s, openingHours: hours(localDateOf(now)) } : s,
      state,
      now,
      watchingSince: startedAt,
      facility: facilityOf(s, now, state),
      rollingCompliance: figuresOf(s, now).judged,
      complianceThreshold: config.compliance.threshold,
    };
    const result = evaluateStation({ ctx, rules: resolved.get(s.id)!, tracks: alerts.tracks, silences, escalateAfterMs });
    alerts.apply(result.changed, result.transitions);
    return result.transitions;
  }

  function evaluate(now = clock()): AlertTransition[] {
    const end = metrics.evalSeconds.startTimer();
    // Keep yesterday's live figure until the cron's rollup from raw data replaces it.
    const finished = openTime.rollOver(now);
    if (finished) {
      compliance.merge(finished);
      compliance.forgetOld(now);
    }
    silences = silences.filter((s) => s.until > now);
    alerts.forgetResolvedBefore(now - retentionMs);
    const out: AlertTransition[] = [];
    for (const s of registry.stations) out.push(...judge(s, now));
    alerts.refreshGauges();
    end();
    return out;
  }

  /** Rollups of the local days fromDate..toDate from raw telemetry: one read per station for the whole range. */
  async function rollupRange(fromDate: string, toDate: string): Promise<DailyRollup[]> {
    const from = midnightOfDate(fromDate);
    const to = midnightOfDate(toDate) + DAY_MS;
    const out: DailyRollup[] = [];
    const range = coverageView(store, onlineAfterMs);
    await range.load(from, to);
    const covered = range.judged(from, to);
    // Folded as each station's rows arrive: a year of raw rows is never held for the whole fleet.
    await readSamples(from, to, (s, samples) => {
      const signals = stationSignals(trackerFromSamples(samples.open, samples.online, onlineAfterMs), covered, from, to);
      for (let day = from; day < to; day += DAY_MS) out.push(rollupDay(s.id, s.district, hoursOf(s), signals, localDateOf(day)));
    });
    for (const r of out) store.append({ kind: 'rollup', rollup: r });
    await store.flush();
    compliance.merge(out);
    logger.info({ event: 'rollup_done', from: fromDate, to: toDate, rollups: out.length }, 'daily compliance rollups stored');
    return out;
  }

  let timer: NodeJS.Timeout | null = null;
  let checkpointTimer: NodeJS.Timeout | null = null;
  let coverageTimer: NodeJS.Timeout | null = null;
  let recordsTimer: NodeJS.Timeout | null = null;
  const refuseAsFollower = (): void => {
    if (o.follower) throw new AlertingError('unavailable', 'this node follows the alerting leader: changes go to the leader');
  };

  const service: AlertingService = {
    list: (filter) => (o.follower ?? alerts).list(filter),
    get: (key) => (o.follower ?? alerts).get(key),
    async acknowledge(key, by, comment) {
      refuseAsFollower();
      return alerts.mutate(key, (t, now) => acknowledge(t, by, comment, now), comment);
    },
    async resolve(key, by, comment) {
      refuseAsFollower();
      return alerts.mutate(key, (t, now) => resolveByHand(t, by, comment, now), comment);
    },
    async silence(input) {
      refuseAsFollower();
      const station = registry.get(input.stationId);
      if (!station) throw new AlertingError('not_found', `unknown station ${input.stationId}`);
      if (!(input.until > input.from)) throw new AlertingError('invalid', 'a silence must end after it starts');
      const unknown = input.ruleIds.filter((r) => !resolved.get(station.id)!.some((x) => x.spec.id === r));
      if (unknown.length > 0) throw new AlertingError('invalid', `unknown rule ids: ${unknown.join(', ')}`);
      const s: Silence = { ...input, id: randomUUID() };
      await records.saveSilence(s);
      silencesMade++;
      silences.push(s);
      logger.info(
        { event: 'silence_created', id: s.id, station: s.stationId, rules: s.ruleIds, from: s.from, until: s.until, by: s.createdBy },
        'silence created',
      );
      judge(station, clock());
      return s;
    },
    silences(stationId) {
      const now = clock();
      return silences.filter((s) => s.until > now && (stationId === undefined || s.stationId === stationId));
    },
    async attest(a) {
      refuseAsFollower();
      const station = registry.get(a.stationId);
      if (!station) throw new AlertingError('not_found', `unknown station ${a.stationId}`);
      if (!(EQUIPMENT_ITEMS as readonly string[]).includes(a.item)) throw new AlertingError('invalid', `unknown item ${a.item}`);
      const id = await records.saveAttestation(a, station.district);
      // Also a point in InfluxDB, for the history boards in Grafana; the database row is the record.
      store.append({ kind: 'attestation', attestation: a, district: station.district });
      // A re-read may have taken the row already.
      if (id > attestationsReadTo) {
        attestedHere.add(id);
        addAttestation(a);
      }
      // Debug: the dashboard audits every attestation it takes; a demo start writes thousands.
      logger.debug({ event: 'attestation', station: a.stationId, item: a.item, present: a.present, working: a.working, by: a.by }, 'inspection attested');
    },
    attestations(stationId) {
      return [...(attestations.get(stationId) ?? [])];
    },
    compliance(stationId) {
      const now = clock();
      const list = stationId === undefined ? registry.stations : [registry.get(stationId)].filter((s): s is Station => s !== undefined);
      return list.map((s): ComplianceSnapshot => {
        const f = figuresOf(s, now);
        const { stationId: _s, district: _d, date: _date, ...today } = f.today;
        return {
          stationId: s.id,
          district: s.district,
          today: complianceOf(today),
          last30Days: f.last30Days,
          yearToDate: f.yearToDate,
          coverage: { today: coverageOf(today), last30Days: coverageOf(f.time.last30Days), yearToDate: coverageOf(f.time.yearToDate) },
          time: { today, ...f.time },
          failingOpenAllYear: f.judged !== null && f.judged < config.compliance.threshold,
          facility: facilityOf(s, now),
        };
      });
    },
    onTransition: (listener) => alerts.onTransition(listener),
    handleTelemetry(message) {
      const s = registry.get(message.stationId);
      if (!s) return;
      openTime.record(message, s);
      // A Last Will or a fault is judged at once, not at the next tick, on the live state folded with
      // this message; at the clock's time even when the device clock runs ahead (a few minutes
      // are accepted), so no alert starts in the future. History is not judged (live-states.ts).
      const now = clock();
      const folded = live.fold(message, now);
      if (folded) judge(s, now, folded);
      else replayed.note(message.ts, now);
    },
    evaluate,
    start() {
      timer ??= setInterval(() => {
        try {
          evaluate();
        } catch (err) {
          logger.error({ err }, 'alert evaluation failed');
        }
      }, config.evaluationIntervalS * 1000);
      if (!o.follower) checkpointTimer ??= setInterval(() => alerts.checkpoint(clock()), CHECKPOINT_MS);
      recordsTimer ??= setInterval(() => {
        refreshRecords().catch((err: unknown) => logger.warn({ err }, 're-reading silences and attestations failed'));
      }, RECORDS_REFRESH_MS);
      coverageTimer ??= setInterval(() => {
        service.refreshCoverage().catch((err: unknown) => logger.error({ err }, 'reading the platform coverage failed'));
        service.rollupHistory().catch((err: unknown) => logger.error({ err }, 'recomputing days touched by history failed'));
      }, COVERAGE_REFRESH_MS);
    },
    rollupDay: (date) => rollupRange(date, date),
    rollupRange,
    rollups: () => compliance.all(),
    scheduleOf: (stationId) => {
      const s = registry.get(stationId);
      return s && hoursOf(s);
    },
    refreshCoverage: (now = clock()) => coverage.refresh(now),
    refreshRecords,
    async rollupHistory(now = clock()) {
      const dates = replayed.due(now);
      const trackedDay = openTime.day();
      const past = dates.filter((d) => d < trackedDay);
      if (past.length > 0) await rollupRange(past[0]!, past.at(-1)!);
      if (dates.includes(trackedDay)) await openTime.reread(now);
      if (dates.length > 0) logger.info({ event: 'history_rolled_up', dates }, 'days touched by replayed history recomputed');
      return dates;
    },
    async close() {
      if (timer) clearInterval(timer);
      if (checkpointTimer) clearInterval(checkpointTimer);
      if (coverageTimer) clearInterval(coverageTimer);
      if (recordsTimer) clearInterval(recordsTimer);
      timer = checkpointTimer = coverageTimer = recordsTimer = null;
      if (!o.follower) alerts.checkpoint(clock());
      await o.notifier.close();
      await store.flush();
    },
  };
  return service;
}
