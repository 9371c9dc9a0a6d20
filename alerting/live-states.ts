import type { Registry } from '../domain/registry.js';
import { applyTelemetry, initialState, type StationState } from '../domain/station-state.js';
import type { Telemetry } from '../domain/telemetry.js';
import type { AlertingMetrics } from './service-metrics.js';

// What the alert rules judge: each station's state folded from live telemetry only. A message
// stamped more than the live window before the service clock is history (a backfill into the
// running platform, a queue replayed after a restart): it still counts for compliance, but no
// alert fires or resolves for the past because of it.

export interface LiveStates {
  get(stationId: string): StationState | undefined;
  /** Folds a live message and returns the new state; null (and counted) for history. */
  fold(message: Telemetry, now: number): StationState | null;
}

export const isHistory = (ts: number, now: number, liveWindowMs: number): boolean => ts < now - liveWindowMs;

export function liveStates(
  registry: Registry,
  seed: ReadonlyMap<string, StationState>,
  liveWindowMs: number,
  metrics: Pick<AlertingMetrics, 'historyMessages'>,
): LiveStates {
  const states = new Map(seed);
  return {
    get: (id) => states.get(id),
    fold(message, now) {
      if (isHistory(message.ts, now, liveWindowMs)) {
        metrics.historyMessages.inc();
        return null;
      }
      const station = registry.get(message.stationId);
      if (!station) return null;
      const next = applyTelemetry(states.get(station.id) ?? initialState(station), message);
      states.set(station.id, next);
      return next;
    },
  };
}
