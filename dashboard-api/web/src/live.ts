import { io, type Socket } from 'socket.io-client';
import type { Alert, AlertTransition } from '../../../domain/alerts.js';
import type { StationState } from '../../../domain/station-state.js';
import type { ClientToServerEvents, ServerToClientEvents, StationBrief, TelemetryDelta } from '../../live/socket-events.js';

// The live store: filled by the snapshot on every (re)connect, then kept current by events.
// The event and payload types are the server's (dashboard-api/live/socket-events.ts).

export type { Alert, AlertTransition, StationBrief };

export type ShownState = 'open' | 'closed' | 'offline' | 'unknown';

/** The one state a station is shown in (map, list, detail): the server already counts missed heartbeats as offline. */
export const shownState = (s: StationBrief | undefined): ShownState =>
  !s || s.live === 'unknown' ? 'unknown' : s.live === 'offline' ? 'offline' : s.open ? 'open' : 'closed';

type Listener = () => void;

export const store = {
  connected: false,
  stations: new Map<string, StationBrief>(),
  alerts: new Map<string, Alert>(),
  /** Newest first; the feed shows these as they arrive. */
  recent: [] as AlertTransition[],
};

const listeners = new Set<Listener>();
export const onChange = (fn: Listener): (() => void) => {
  listeners.add(fn);
  return () => listeners.delete(fn);
};

let scheduled = false;
function changed(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    for (const fn of listeners) fn();
  });
}

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
let socket: LiveSocket | null = null;

/** `onExpired` runs when the server refuses the token (the login ended). */
export function connectLive(token: string, onExpired: () => void): LiveSocket {
  socket?.close();
  socket = io({ auth: { token }, transports: ['websocket', 'polling'] });
  socket.on('connect', () => {
    store.connected = true;
    changed();
  });
  socket.on('disconnect', (reason) => {
    store.connected = false;
    changed();
    // 'io server disconnect' is the server ending the session (token expired); reconnecting checks the token.
    if (reason === 'io server disconnect') socket?.connect();
  });
  socket.on('connect_error', (err) => {
    if (/unauthorized/.test(err.message)) onExpired();
  });
  socket.on('snapshot', (snap) => {
    store.stations = new Map(snap.stations.map((s) => [s.id, s]));
    store.alerts = new Map(snap.alerts.map((a) => [a.key, a]));
    changed();
  });
  socket.on('stations', (batch) => {
    for (const s of batch) store.stations.set(s.id, s);
    changed();
  });
  socket.on('alert', (t) => {
    if (t.to === 'resolved') store.alerts.delete(t.alert.key);
    else store.alerts.set(t.alert.key, t.alert);
    store.recent = [t, ...store.recent].slice(0, 100);
    changed();
  });
  return socket;
}

export function disconnectLive(): void {
  socket?.close();
  socket = null;
}

/** Joins a station's room for throttled telemetry deltas; returns the unsubscribe. */
export function watchStation(stationId: string, onDelta: (changes: Partial<StationState>) => void): () => void {
  const s = socket;
  if (!s) return () => undefined;
  const handler = (d: TelemetryDelta): void => {
    if (d.stationId === stationId) onDelta(d.changes);
  };
  // Rooms belong to one connection: join again on every reconnect; the reply's full state covers what was missed.
  const subscribe = (): void => {
    s.emit('subscribe', { stationId }, (reply) => {
      if (reply.ok && reply.state) onDelta(reply.state);
    });
  };
  s.on('telemetry', handler);
  s.on('connect', subscribe);
  if (s.connected) subscribe();
  return () => {
    s.off('telemetry', handler);
    s.off('connect', subscribe);
    s.emit('unsubscribe', { stationId });
  };
}
