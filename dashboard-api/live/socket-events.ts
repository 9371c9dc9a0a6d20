import type { Alert, AlertTransition } from '../../domain/alerts.js';
import type { DistrictCode } from '../../domain/districts.js';
import type { StationState } from '../../domain/station-state.js';
import type { LiveState } from '../live-state.js';

// The Socket.IO contract between socket-hub.ts and the web app (which imports these types only).

/** The compact per-station state the overview shows; sent in a `stations` batch when it changes. */
export interface StationBrief {
  id: string;
  district: DistrictCode;
  live: LiveState;
  open: boolean;
  people: number | null;
  lastSeen: number | null;
}

/** Sent on every (re)connect: what the user may see, in full. */
export interface LiveSnapshot {
  at: number;
  stations: StationBrief[];
  alerts: Alert[];
}

/** The changed fields of a watched station's state, at most once per throttle window. */
export interface TelemetryDelta {
  stationId: string;
  at: number;
  changes: Partial<StationState>;
}

export type SubscribeReply = { ok: true; state: StationState | null } | { ok: false; error: string };

export interface ServerToClientEvents {
  snapshot(snapshot: LiveSnapshot): void;
  /** Station briefs that changed, each with when it first changed in this batch. */
  stations(batch: Array<StationBrief & { at: number }>): void;
  telemetry(delta: TelemetryDelta): void;
  alert(transition: AlertTransition): void;
}

export interface ClientToServerEvents {
  /** Joins a station's room (within the user's district); the reply carries its full state. */
  subscribe(input: { stationId: string }, reply: (r: SubscribeReply) => void): void;
  unsubscribe(input: { stationId: string }): void;
}
