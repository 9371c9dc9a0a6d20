import { AlertingError, type Alert, type AlertFilter, type AlertTransition } from '../domain/alerts.js';
import type { Registry } from '../domain/registry.js';
import type { Logger } from '../lib/logger.js';
import { trackFromTransition, type Track } from '../rules/lifecycle.js';
import type { NotificationEvent } from './messages.js';
import type { Notifier } from './notifier.js';
import type { AlertingMetrics } from './service-metrics.js';
import type { AlertStore } from './store.js';

// The alerts: open ones (the engine's tracks) and recently resolved ones, rebuilt from the store
// at start. Every transition goes to the store, the listeners (the dashboard) and, when it is news
// to the maintainers, the notifier; users' changes are serialised per alert and stored first.

/** How often open alerts' last-seen times are checkpointed: at most this much is lost in a crash. */
export const CHECKPOINT_MS = 60_000;

export interface AlertBookOptions {
  registry: Registry;
  store: AlertStore;
  notifier: Notifier;
  logger: Logger;
  metrics: AlertingMetrics;
  clock: () => number;
  /** Resolved alerts are listed this long. */
  retentionMs: number;
}

/** The alerts that pass a filter, newest first (the book here, the followers' mirror in shared-alerts.ts). */
export function listAlerts(alerts: Iterable<Alert>, f: AlertFilter = {}): Alert[] {
  return [...alerts]
    .filter(
      (a) =>
        (f.district === undefined || a.district === f.district) &&
        (f.stationId === undefined || a.stationId === f.stationId) &&
        (f.state === undefined || a.state === f.state) &&
        (f.severity === undefined || a.severity === f.severity),
    )
    .sort((a, b) => b.lastSeen - a.lastSeen || a.key.localeCompare(b.key));
}

export async function restoreAlertBook(o: AlertBookOptions) {
  const { registry, store, notifier, logger, metrics } = o;
  /** The engine's state: one track per open alert. */
  const tracks = new Map<string, Track>();
  let history: Alert[] = [];
  /** Open alerts the maintainers were told about: only those get a "resolved" message. */
  const notified = new Set<string>();
  const listeners = new Set<(t: AlertTransition) => void>();
  /** Mutations of one key run one after the other, so two users acknowledging at once get one success and one conflict. */
  const queues = new Map<string, Promise<unknown>>();
  const checkpointed = new Map<string, number>();

  const loaded = await store.loadAlerts(o.clock() - o.retentionMs);
  for (const s of loaded.latest) {
    const track = trackFromTransition(s.transition, s.firedAt);
    if (track.alert && registry.get(track.alert.stationId)) {
      tracks.set(track.key, track);
      if (!track.alert.suppressedBy) notified.add(track.key);
    }
  }
  history = loaded.resolved;

  /** Stores (unless already), counts, logs and announces transitions; `audibleSince` gives what is stored as fired-at. */
  function publish(transitions: AlertTransition[], audibleSince: (t: AlertTransition) => number | null, comment?: string, persisted = false): void {
    const events: NotificationEvent[] = [];
    for (const t of transitions) {
      if (!persisted) store.append({ kind: 'transition', stored: { transition: t, firedAt: audibleSince(t), ...(comment === undefined ? {} : { comment }) } });
      metrics.transitionsTotal.inc({ rule: t.alert.ruleId, to: t.escalated ? 'escalated' : t.to });
      logger.info(
        {
          event: 'alert_transition',
          key: t.alert.key,
          from: t.from,
          to: t.to,
          by: t.by,
          escalated: t.escalated,
          severity: t.alert.severity,
          suppressedBy: t.alert.suppressedBy,
        },
        `alert ${t.alert.key} → ${t.escalated ? 'escalated' : t.to}`,
      );
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

  const openTrack = (key: string): Track => {
    const t = tracks.get(key);
    if (!t?.alert) throw new AlertingError('not_found', `no open alert ${key}`);
    return t;
  };

  function refreshGauges(): void {
    const counts = { critical: 0, major: 0, minor: 0, info: 0 };
    for (const t of tracks.values()) if (t.alert) counts[t.alert.severity]++;
    for (const [severity, n] of Object.entries(counts)) metrics.openAlerts.set({ severity }, n);
  }

  return {
    tracks: tracks as ReadonlyMap<string, Track>,

    /** Applies an evaluation's result: its changed tracks, its transitions, and unmuted alerts announced. */
    apply(changed: readonly Track[], transitions: AlertTransition[]): void {
      for (const t of changed) {
        // A condition still within its rule's `for` is kept too: dropping it restarted the wait at every evaluation.
        if (t.alert || t.pendingSince !== null) tracks.set(t.key, t);
        else tracks.delete(t.key);
      }
      publish(transitions, (t) => tracks.get(t.alert.key)?.audibleSince ?? null);
      // An alert that fired muted and is unmuted while still open is news to the maintainers now
      // (whatever else happened to it in this evaluation: publish has announced what it fired).
      const unmuted: NotificationEvent[] = [];
      for (const t of changed) {
        if (t.alert && !t.alert.suppressedBy && t.alert.state === 'firing' && !notified.has(t.key)) {
          notified.add(t.key);
          unmuted.push({ kind: 'firing', alert: t.alert });
        }
      }
      notifier.notify(unmuted);
    },

    /** A user's change: computed purely, stored and confirmed, then applied. */
    mutate(key: string, step: (t: Track, now: number) => { track: Track; transitions: AlertTransition[] }, comment?: string): Promise<Alert> {
      const run = async (): Promise<Alert> => {
        const now = o.clock();
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
    },

    list(filter: AlertFilter = {}): Alert[] {
      const open = [...tracks.values()].map((t) => t.alert!).filter(Boolean);
      return listAlerts([...open, ...history], filter);
    },
    get: (key: string): Alert | undefined => tracks.get(key)?.alert ?? history.filter((a) => a.key === key).at(-1),
    onTransition(listener: (t: AlertTransition) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    resolvedCount: () => history.length,

    forgetResolvedBefore(t: number): void {
      history = history.filter((a) => (a.resolvedAt ?? 0) >= t);
    },
    refreshGauges,
    /** Stores open alerts whose last-seen time moved since their last checkpoint. */
    checkpoint(now: number): void {
      for (const t of tracks.values()) {
        if (!t.alert || checkpointed.get(t.key) === t.alert.lastSeen) continue;
        store.append({ kind: 'snapshot', alert: t.alert, firedAt: t.audibleSince, at: now });
        checkpointed.set(t.key, t.alert.lastSeen);
      }
      for (const key of checkpointed.keys()) if (!tracks.has(key)) checkpointed.delete(key);
    },
  };
}
