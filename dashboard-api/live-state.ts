import { isOffline, offlineAfterMs, OfflineParamsSchema } from '../rules/catalog.js';
import { resolveRules, type RulesConfig } from '../rules/rule-config.js';
import type { Station } from '../domain/station.js';
import type { StationState } from '../domain/station-state.js';

// Online and open as the rules engine judges them: a station whose heartbeats stopped is
// offline even though no Last Will arrived (state.online only changes on status/LWT messages),
// and offline time is not open time — so the dashboard never shows open what station_offline calls down.

export const LIVE_STATES = ['online', 'offline', 'unknown'] as const;
export type LiveState = (typeof LIVE_STATES)[number];

export interface LiveJudgement {
  live: LiveState;
  /** Open for service now: online and saying it is open. */
  open: boolean;
}

/** `offlineAfterMs`: the station_offline rule's heartbeat threshold resolved for this station. */
export function judgeLive(s: StationState | undefined, now: number, offlineAfterMs: number): LiveJudgement {
  // Never heard from: unknown here (the engine also counts it offline once it has watched long enough).
  if (!s || (s.online === null && s.lastSeen === null)) return { live: 'unknown', open: false };
  if (isOffline(s, now, offlineAfterMs, now)) return { live: 'offline', open: false };
  return s.online === true ? { live: 'online', open: s.open === true } : { live: 'unknown', open: false };
}

/** Per-station heartbeat thresholds from the rules configuration, resolved as the alerting service does. */
export function offlineThresholds(rules: RulesConfig, stations: readonly Station[]): (stationId: string) => number {
  const byId = new Map(
    stations.map((s) => [s.id, offlineAfterMs(OfflineParamsSchema.parse(resolveRules(rules, s).find((r) => r.spec.id === 'station_offline')!.params))]),
  );
  const global = offlineAfterMs(OfflineParamsSchema.parse(rules.rules.station_offline?.params ?? {}));
  return (id) => byId.get(id) ?? global;
}
