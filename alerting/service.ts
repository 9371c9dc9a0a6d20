import { randomUUID } from 'node:crypto';
import { Counter, Gauge, Histogram, type Registry as MetricsRegistry } from 'prom-client';
import {
  AlertingError,
  type Alert,
  type AlertFilter,
  type AlertingPort,
  type AlertTransition,
  type Attestation,
  type ComplianceSnapshot,
  type FacilityStatus,
  type Silence,
} from '../domain/alerts.js';
import { EQUIPMENT_ITEMS } from '../domain/equipment.js';
import type { Registry } from '../domain/registry.js';
import { DAY_MS, localDateOf, midnightOfDate } from '../domain/schedule.js';
import type { Station } from '../domain/station.js';
import { initialState, type StationState } from '../domain/station-state.js';
import type { Telemetry } from '../domain/telemetry.js';
import type { Logger } from '../lib/logger.js';
import { offlineAfterMs, OfflineParamsSchema, type RuleContext } from '../rules/catalog.js';
import { complianceFigures, rollupDay, type DailyRollup } from '../rules/compliance.js';
import { evaluateStation } from '../rules/engine.js';
import { facilityStatus, latestAttestations } from '../rules/facility.js';
import { acknowledge, resolveByHand, trackFromTransition, type Track } from '../rules/lifecycle.js';
import { resolveRules, type ResolvedRule, type RulesConfig } from '../rules/rule-config.js';
import { addSample, forgetBefore, newServingTracker, servingIntervals, trackerFromSamples, type ServingTracker } from '../rules/serving.js';
import type { NotificationEvent } from './messages.js';
import type { Notifier } from './notifier.js';
import type { ManualRecords } from './manual-records.js';
import type { AlertStore, ServingSamples } from './store.js';

// The alerting service: telemetry and timers in, the pure engine in the middle, the store and
// the notifier out. Implements AlertingPort for the dashboard API.

export interface AlertingServiceOptions {
  registry: Registry;
  rules: RulesConfig;
  store: AlertStore;
  /** Silences and attestations (the relational database). */
  records: ManualRecords;
  notifier: Notifier;
  /** Live station states: the telemetry consumer's map. */
  states: ReadonlyMap<string, StationState>;
  logger: Logger;
  metrics: MetricsRegistry;
  now?: () => number;
}

export interface AlertingService extends AlertingPort {
  /** Feed of the telemetry consumer: keeps today's open time and re-judges the station at once on `state`, its state with `message` folded in. */
  handleTelemetry(message: Telemetry, state: StationState): void;
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
  close(): Promise<void>;
}

const ROLLUP_CONCURRENCY = 4;
/** Ranges up to this long are read a district at a time. */
const BATCH_RANGE_MS = 2 * DAY_MS;
/** How often open alerts' last-seen times are checkpointed: at most this much is lost in a crash. */
const CHECKPOINT_MS = 60_000;

export async function createAlertingService(o: AlertingServiceOptions): Promise<AlertingService> {
  const { registry, rules: config, store, records, notifier, logger } = o;
  const clock = o.now ?? Date.now;
  const startedAt = clock();
  const escalateAfterMs = config.escalateAfterS * 1000;
  const retentionMs = config.resolvedRetentionDays * DAY_MS;

  const resolved = new Map<string, ResolvedRule[]>(registry.stations.map((s) => [s.id, resolveRules(config, s)]));
  /** Staleness of heartbeats per station, as the offline rule sees it (compliance uses the same). */
  const staleMs = new Map(
    registry.stations.map((s) => [s.id, offlineAfterMs(OfflineParamsSchema.parse(resolved.get(s.id)!.find((r) => r.spec.id === 'station_offline')!.params))]),
  );

  // ---- metrics
  const m = o.metrics;
  // Reused when a process builds the service twice on one registry (tests, restarts in place).
  const metric = <T>(name: string, make: () => T): T => (m.getSingleMetric(name) as T | undefined) ?? make();
  const transitionsTotal = metric('alert_transitions_total', () => new Counter({ name: 'alert_transitions_total', help: 'Alert transitions by rule and new state', labelNames: ['rule', 'to'], registers: [m] }));
  const openAlerts = metric('alerts_open', () => new Gauge({ name: 'alerts_open', help: 'Open (firing or acknowledged) alerts by severity', labelNames: ['severity'], registers: [m] }));
  const evalSeconds = metric('alert_evaluation_seconds', () => new Histogram({ name: 'alert_evaluation_seconds', help: 'Time to judge every station once', buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2], registers: [m] }));

  // ---- state, rebuilt from the store
  const tracks = new Map<string, Track>();
  let history: Alert[] = [];
  let silences: Silence[] = [];
  const attestations = new Map<string, Attestation[]>();
  let rollups: DailyRollup[] = [];
  const trackers = new Map<string, ServingTracker>();
  let trackerDay = localDateOf(startedAt);
  /** Open alerts the maintainers were told about: only those get a "resolved" message. */
  const notified = new Set<string>();
  const listeners = new Set<(t: AlertTransition) => void>();

  const loaded = await store.loadAlerts(startedAt - retentionMs);
  for (const s of loaded.latest) {
    const track = trackFromTransition(s.transition, s.firedAt);
    if (track.alert && registry.get(track.alert.stationId)) {
      tracks.set(track.key, track);
      if (!track.alert.suppressedBy) notified.add(track.key);
    }
  }
  history = loaded.resolved;
  silences = await records.loadSilences(startedAt);
  for (const a of await records.loadAttestations(startedAt - 2 * 366 * DAY_MS)) attestations.set(a.stationId, [...(attestations.get(a.stationId) ?? []), a]);
  const rollupSince = (now: number): string => {
    const windowStart = localDateOf(now - config.compliance.windowDays * DAY_MS);
    const yearStart = `${localDateOf(now).slice(0, 4)}-01-01`;
    return windowStart < yearStart ? windowStart : yearStart;
  };
  rollups = await store.loadRollups(rollupSince(startedAt));
  logger.info({ event: 'alerting_restored', open: tracks.size, resolved: history.length, silences: silences.length, rollups: rollups.length }, 'alerting state rebuilt from the store');

  /**
   * Raw serving samples of every station over [from, to): per district (three reads each) for
   * short ranges, per station for long ones (a year of a district would be one huge answer).
   */
  async function withSamples(from: number, to: number, use: (station: Station, samples: ServingSamples) => void): Promise<void> {
    const empty: ServingSamples = { open: [], online: [] };
    if (to - from <= BATCH_RANGE_MS) {
      const districts = [...new Set(registry.stations.map((s) => s.district))];
      await forEachLimited(districts, ROLLUP_CONCURRENCY, async (d) => {
        const stations = registry.inDistrict(d);
        // Staleness is per station; read the widest margin, the fold cuts each to its own.
        const margin = Math.max(...stations.map((s) => staleMs.get(s.id)!));
        const got = await store.loadDistrictServingSamples(d, from, to, margin);
        for (const s of stations) use(s, got.get(s.id) ?? empty);
      });
    } else {
      await forEachLimited(registry.stations, ROLLUP_CONCURRENCY, async (s) => {
        use(s, await store.loadServingSamples(s.id, from, to, staleMs.get(s.id)!));
      });
    }
  }

  // Today's open time so far, from raw telemetry, so a restart mid-day loses nothing.
  await withSamples(midnightOfDate(trackerDay), startedAt + 1, (s, samples) => trackers.set(s.id, trackerFromSamples(samples.open, samples.online, staleMs.get(s.id)!)));

  // ---- derived figures
  const rollupsByStation = (): Map<string, DailyRollup[]> => {
    const by = new Map<string, DailyRollup[]>();
    for (const r of rollups) by.set(r.stationId, [...(by.get(r.stationId) ?? []), r]);
    return by;
  };
  let byStation = rollupsByStation();

  const stateOf = (s: Station): StationState => o.states.get(s.id) ?? initialState(s);
  const todayRollup = (s: Station, now: number): DailyRollup => {
    const date = localDateOf(now);
    const from = midnightOfDate(date);
    const tracker = trackers.get(s.id) ?? newServingTracker(staleMs.get(s.id)!);
    return rollupDay(s.id, s.district, s.openingHours, servingIntervals(tracker, from, now), date, now);
  };
  const facilityOf = (s: Station, now: number, state = stateOf(s)): FacilityStatus =>
    facilityStatus(s, state, latestAttestations(attestations.get(s.id) ?? []), {
      now,
      attestationMaxAgeMs: config.facility.attestationMaxAgeDays * DAY_MS,
      telemetryStaleMs: config.facility.telemetryStaleS * 1000,
    });
  const figuresOf = (s: Station, now: number) => {
    const today = todayRollup(s, now);
    const f = complianceFigures(byStation.get(s.id) ?? [], today, now, config.compliance.windowDays);
    // Judged on complete days only, and only once there are enough of them: a partial first day says little.
    const judged = f.completeDays >= config.compliance.minDays ? f.completeWindow : null;
    return { today, ...f, judged };
  };

  // ---- transitions → store, listeners, notifications
  function publish(transitions: AlertTransition[], audibleSince: (t: AlertTransition) => number | null, comment?: string, persisted = false): void {
    const events: NotificationEvent[] = [];
    for (const t of transitions) {
      if (!persisted) store.append({ kind: 'transition', stored: { transition: t, firedAt: audibleSince(t), ...(comment === undefined ? {} : { comment }) } });
      transitionsTotal.inc({ rule: t.alert.ruleId, to: t.escalated ? 'escalated' : t.to });
      logger.info({ event: 'alert_transition', key: t.alert.key, from: t.from, to: t.to, by: t.by, escalated: t.escalated, severity: t.alert.severity, suppressedBy: t.alert.suppressedBy }, `alert ${t.alert.key} → ${t.escalated ? 'escalated' : t.to}`);
      if (t.to === 'resolved') {
        history.push(t.alert);
        if (notified.delete(t.alert.key)) events.push({ kind: 'resolved', alert: t.alert });
      } else if (t.escalated) {
        events.push({ kind: 'escalated', alert: t.alert });
      } else if (t.from === null && !t.alert.suppressedBy) {
        notified.add(t.alert.key);
        events.push({ kind: 'firing', alert: t.alert });
      }
      for (const l of listeners) {
        try {
          l(t);
        } catch (err) {
          logger.error({ err }, 'alert transition listener failed');
        }
      }
    }
    notifier.notify(events);
  }

  function judge(s: Station, now: number, state = stateOf(s)): AlertTransition[] {
    const figures = figuresOf(s, now);
    const ctx: RuleContext = {
      station: s,
      state,
      now,
      watchingSince: startedAt,
      facility: facilityOf(s, now, state),
      rollingCompliance: figures.judged,
      complianceThreshold: config.compliance.threshold,
    };
    const result = evaluateStation({ ctx, rules: resolved.get(s.id)!, tracks, silences, escalateAfterMs });
    for (const t of result.changed) {
      if (t.alert) tracks.set(t.key, t);
      else tracks.delete(t.key);
    }
    publish(result.transitions, (t) => tracks.get(t.alert.key)?.audibleSince ?? null);
    // An alert that fired muted and is unmuted while still open is news to the maintainers now
    // (whatever else happened to it in this evaluation: publish has announced what it fired).
    const unmuted: NotificationEvent[] = [];
    for (const t of result.changed) {
      if (t.alert && !t.alert.suppressedBy && t.alert.state === 'firing' && !notified.has(t.key)) {
        notified.add(t.key);
        unmuted.push({ kind: 'firing', alert: t.alert });
      }
    }
    notifier.notify(unmuted);
    return result.transitions;
  }

  function rollOver(now: number): void {
    const date = localDateOf(now);
    if (date === trackerDay) return;
    // Keep yesterday's live figure until the cron's rollup from raw data replaces it.
    for (const s of registry.stations) {
      const t = trackers.get(s.id);
      if (!t) continue;
      rollups.push(rollupDay(s.id, s.district, s.openingHours, servingIntervals(t, midnightOfDate(trackerDay), midnightOfDate(date)), trackerDay));
      forgetBefore(t.open, midnightOfDate(date));
      forgetBefore(t.online, midnightOfDate(date));
    }
    const since = rollupSince(now);
    rollups = rollups.filter((r) => r.date >= since);
    byStation = rollupsByStation();
    trackerDay = date;
  }

  function refreshGauges(): void {
    const counts = { critical: 0, major: 0, minor: 0, info: 0 };
    for (const t of tracks.values()) if (t.alert) counts[t.alert.severity]++;
    for (const [severity, n] of Object.entries(counts)) openAlerts.set({ severity }, n);
  }

  function evaluate(now = clock()): AlertTransition[] {
    const end = evalSeconds.startTimer();
    rollOver(now);
    silences = silences.filter((s) => s.until > now);
    history = history.filter((a) => (a.resolvedAt ?? 0) >= now - retentionMs);
    const out: AlertTransition[] = [];
    for (const s of registry.stations) out.push(...judge(s, now));
    refreshGauges();
    end();
    return out;
  }

  const openTrack = (key: string): Track => {
    const t = tracks.get(key);
    if (!t?.alert) throw new AlertingError('not_found', `no open alert ${key}`);
    return t;
  };

  /** Mutations of one key run one after the other, so two users acknowledging at once get one success and one conflict. */
  const queues = new Map<string, Promise<unknown>>();

  /** A user's change: computed purely, stored and confirmed, then applied. */
  function mutate(key: string, step: (t: Track, now: number) => { track: Track; transitions: AlertTransition[] }, comment?: string): Promise<Alert> {
    const run = async (): Promise<Alert> => {
      const now = clock();
      const before = openTrack(key);
      const { track, transitions } = step(before, now);
      const t = transitions[0]!;
      await store.save({ kind: 'transition', stored: { transition: t, firedAt: track.audibleSince, ...(comment === undefined ? {} : { comment }) } });
      // Evaluations went on while we waited for the store. If the alert resolved by itself meanwhile, refuse;
      // otherwise apply the change to its current form (newer last-seen and summary).
      const current = tracks.get(key);
      if (current?.alert?.state !== before.alert!.state || current.alert.firstSeen !== before.alert!.firstSeen) {
        throw new AlertingError('conflict', `alert ${key} changed while the change was being stored`);
      }
      const applied = step(current, now).track;
      if (applied.alert) tracks.set(key, applied);
      else tracks.delete(key);
      publish(transitions, () => track.audibleSince, comment, true);
      refreshGauges();
      return t.alert;
    };
    const result = (queues.get(key) ?? Promise.resolve()).then(run, run);
    const settled = result.catch(() => undefined);
    queues.set(key, settled);
    void settled.then(() => queues.get(key) === settled && queues.delete(key));
    return result;
  }

  /** Rollups of the local days fromDate..toDate from raw telemetry: one read per station for the whole range. */
  async function rollupRange(fromDate: string, toDate: string): Promise<DailyRollup[]> {
    const from = midnightOfDate(fromDate);
    const to = midnightOfDate(toDate) + DAY_MS;
    const out: DailyRollup[] = [];
    // Folded as each station's rows arrive: a year of raw rows is never held for the whole fleet.
    await withSamples(from, to, (s, samples) => {
      const serving = servingIntervals(trackerFromSamples(samples.open, samples.online, staleMs.get(s.id)!), from, to);
      for (let day = from; day < to; day += DAY_MS) out.push(rollupDay(s.id, s.district, s.openingHours, serving, localDateOf(day)));
    });
    for (const r of out) store.append({ kind: 'rollup', rollup: r });
    await store.flush();
    const done = new Set(out.map((r) => `${r.stationId}:${r.date}`));
    rollups = [...rollups.filter((r) => !done.has(`${r.stationId}:${r.date}`)), ...out];
    byStation = rollupsByStation();
    logger.info({ event: 'rollup_done', from: fromDate, to: toDate, rollups: out.length }, 'daily compliance rollups stored');
    return out;
  }

  const matches = (a: Alert, f: AlertFilter): boolean =>
    (f.district === undefined || a.district === f.district) &&
    (f.stationId === undefined || a.stationId === f.stationId) &&
    (f.state === undefined || a.state === f.state) &&
    (f.severity === undefined || a.severity === f.severity);

  let timer: NodeJS.Timeout | null = null;
  let checkpointTimer: NodeJS.Timeout | null = null;
  const checkpointed = new Map<string, number>();
  /** Stores open alerts whose last-seen time moved since their last checkpoint. */
  function checkpoint(now: number): void {
    for (const t of tracks.values()) {
      if (!t.alert || checkpointed.get(t.key) === t.alert.lastSeen) continue;
      store.append({ kind: 'snapshot', alert: t.alert, firedAt: t.audibleSince, at: now });
      checkpointed.set(t.key, t.alert.lastSeen);
    }
    for (const key of checkpointed.keys()) if (!tracks.has(key)) checkpointed.delete(key);
  }

  const service: AlertingService = {
    list(filter = {}) {
      const open = [...tracks.values()].map((t) => t.alert!).filter(Boolean);
      return [...open, ...history].filter((a) => matches(a, filter)).sort((a, b) => b.lastSeen - a.lastSeen || a.key.localeCompare(b.key));
    },
    get(key) {
      return tracks.get(key)?.alert ?? history.filter((a) => a.key === key).at(-1);
    },
    acknowledge(key, by, comment) {
      return mutate(key, (t, now) => acknowledge(t, by, comment, now), comment);
    },
    resolve(key, by, comment) {
      return mutate(key, (t, now) => resolveByHand(t, by, comment, now), comment);
    },
    async silence(input) {
      const station = registry.get(input.stationId);
      if (!station) throw new AlertingError('not_found', `unknown station ${input.stationId}`);
      if (!(input.until > input.from)) throw new AlertingError('invalid', 'a silence must end after it starts');
      const unknown = input.ruleIds.filter((r) => !resolved.get(station.id)!.some((x) => x.spec.id === r));
      if (unknown.length > 0) throw new AlertingError('invalid', `unknown rule ids: ${unknown.join(', ')}`);
      const s: Silence = { ...input, id: randomUUID() };
      await records.saveSilence(s);
      silences.push(s);
      logger.info({ event: 'silence_created', id: s.id, station: s.stationId, rules: s.ruleIds, from: s.from, until: s.until, by: s.createdBy }, 'silence created');
      judge(station, clock());
      return s;
    },
    silences(stationId) {
      const now = clock();
      return silences.filter((s) => s.until > now && (stationId === undefined || s.stationId === stationId));
    },
    async attest(a) {
      const station = registry.get(a.stationId);
      if (!station) throw new AlertingError('not_found', `unknown station ${a.stationId}`);
      if (!(EQUIPMENT_ITEMS as readonly string[]).includes(a.item)) throw new AlertingError('invalid', `unknown item ${a.item}`);
      await records.saveAttestation(a, station.district);
      // Also a point in InfluxDB, for the history boards in Grafana; the database row is the record.
      store.append({ kind: 'attestation', attestation: a, district: station.district });
      attestations.set(a.stationId, [...(attestations.get(a.stationId) ?? []), a]);
      logger.info({ event: 'attestation', station: a.stationId, item: a.item, present: a.present, working: a.working, by: a.by }, 'inspection attested');
    },
    attestations(stationId) {
      return [...(attestations.get(stationId) ?? [])];
    },
    compliance(stationId) {
      const now = clock();
      const list = stationId === undefined ? registry.stations : [registry.get(stationId)].filter((s): s is Station => s !== undefined);
      return list.map((s): ComplianceSnapshot => {
        const f = figuresOf(s, now);
        return {
          stationId: s.id,
          district: s.district,
          today: f.today.scheduledMs > 0 ? f.today.openMs / f.today.scheduledMs : null,
          last30Days: f.last30Days,
          yearToDate: f.yearToDate,
          failingOpenAllYear: f.judged !== null && f.judged < config.compliance.threshold,
          facility: facilityOf(s, now),
        };
      });
    },
    onTransition(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    handleTelemetry(message, state) {
      const s = registry.get(message.stationId);
      if (!s) return;
      const tracker = trackers.get(s.id) ?? newServingTracker(staleMs.get(s.id)!);
      trackers.set(s.id, tracker);
      if (message.channel === 'status') addSample(tracker.online, { t: message.ts, on: message.data.online });
      if (message.channel === 'service') addSample(tracker.open, { t: message.ts, on: message.data.open });
      // A Last Will or a fault is judged at once, not at the next tick, on the state folded with
      // this message; at the clock's time even when the device clock runs ahead (a few minutes
      // are accepted), so no alert starts in the future.
      judge(s, clock(), state);
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
      checkpointTimer ??= setInterval(() => checkpoint(clock()), CHECKPOINT_MS);
    },
    rollupDay: (date) => rollupRange(date, date),
    rollupRange,
    rollups: () => rollups,
    async close() {
      if (timer) clearInterval(timer);
      if (checkpointTimer) clearInterval(checkpointTimer);
      timer = checkpointTimer = null;
      checkpoint(clock());
      await notifier.close();
      await store.flush();
    },
  };
  return service;
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
