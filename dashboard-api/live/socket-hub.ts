import type { Server as HttpServer } from 'node:http';
import type { Registry as Metrics } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import type { AlertTransition } from '../../domain/alerts.js';
import type { DistrictCode } from '../../domain/districts.js';
import { StationIdSchema } from '../../domain/station.js';
import type { StationState } from '../../domain/station-state.js';
import type { Telemetry } from '../../domain/telemetry.js';
import { canSee } from '../auth/scope.js';
import type { User } from '../auth/users.js';
import { activeAlerts, type ApiContext } from '../context.js';
import { judgeLive, type LiveState } from '../live-state.js';
import type { ClientToServerEvents, LiveSnapshot, ServerToClientEvents, StationBrief, SubscribeReply } from './socket-events.js';
import { runAt } from './long-timeout.js';
import { stateDelta } from './state-delta.js';

// Rooms: 'city' (city staff see every district), `district:XX` (a maintainer, only their
// own), `station:ID` (a detail view, joined on request after the same district check).
// Every event goes only to rooms of its own district, so isolation holds by construction.
// Several dashboard nodes (a Redis given): every node consumes the whole telemetry stream, so
// station events go to the node's own sockets (io.local); alert transitions come from the one
// alerting leader and reach the sockets of every node through the Redis adapter.

export const CITY_ROOM = 'city';
export const districtRoom = (d: DistrictCode): string => `district:${d}`;
export const stationRoom = (id: string): string => `station:${id}`;

const HandshakeSchema = z.object({ token: z.string().min(10).max(4096) });
const SubscribeSchema = z.strictObject({ stationId: StationIdSchema });

const brief = (id: string, district: DistrictCode, s: StationState | undefined, judged: { live: LiveState; open: boolean }): StationBrief => ({
  id,
  district,
  ...judged,
  people: s?.people ?? null,
  lastSeen: s?.lastSeen ?? null,
});

/** How often stations are re-judged without telemetry: missed heartbeats turn a station offline with no message at all. */
const STALE_SWEEP_MS = 1000;

export interface SocketHubOptions {
  httpServer: HttpServer;
  ctx: ApiContext;
  corsOrigins: string[];
  throttleMs: number;
  /** Station state changes are sent in batches this often. */
  batchMs: number;
  metrics: Metrics;
  /** Several nodes: the Redis adapter's connections are duplicated from this one. */
  redis?: Redis;
}

export interface SocketHub {
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  close(): Promise<void>;
}

export function attachSocketHub({ httpServer, ctx, corsOrigins, throttleMs, batchMs, metrics, redis }: SocketHubOptions): SocketHub {
  const adapterClients = redis ? [redis.duplicate(), redis.duplicate()] : [];
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    cors: corsOrigins.length ? { origin: corsOrigins } : undefined,
    serveClient: false,
    ...(redis ? { adapter: createAdapter(adapterClients[0]!, adapterClients[1]!) } : {}),
  });
  const connected = new Gauge({ name: 'dashboard_sockets_connected', help: 'Dashboard Socket.IO clients connected', registers: [metrics] });
  const emitted = new Counter({
    name: 'dashboard_socket_events_total',
    help: 'Socket.IO events emitted by kind',
    labelNames: ['event'] as const,
    registers: [metrics],
  });
  const refused = new Counter({
    name: 'dashboard_socket_refused_total',
    help: 'Socket.IO handshakes or requests refused',
    labelNames: ['reason'] as const,
    registers: [metrics],
  });

  io.use(async (socket, next) => {
    const parsed = HandshakeSchema.safeParse(socket.handshake.auth);
    const session = parsed.success ? await ctx.tokens.session(parsed.data.token) : null;
    if (!session) {
      refused.inc({ reason: parsed.success ? 'bad_token' : 'no_token' });
      next(new Error('unauthorized: log in and pass { auth: { token } }'));
      return;
    }
    socket.data.user = session.user;
    socket.data.expiresAt = session.expiresAt;
    next();
  });

  const toDistrict = (d: DistrictCode): string[] => [CITY_ROOM, districtRoom(d)];

  io.on('connection', (socket: Socket<ClientToServerEvents, ServerToClientEvents>) => {
    const user = socket.data.user as User;
    connected.inc();
    void socket.join(user.district ? districtRoom(user.district) : CITY_ROOM);
    socket.emit('snapshot', snapshot(user));
    emitted.inc({ event: 'snapshot' });

    // Typed for the client; checked here all the same, as any input from outside.
    socket.on('subscribe', (input: unknown, ack: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (r: SubscribeReply) => void) : () => undefined;
      const parsed = SubscribeSchema.safeParse(input);
      const station = parsed.success ? ctx.registry.get(parsed.data.stationId) : undefined;
      if (!station || !canSee(user, station.district)) {
        refused.inc({ reason: parsed.success ? 'outside_scope' : 'bad_request' });
        reply({ ok: false, error: parsed.success ? 'unknown station or outside your district' : 'expected { stationId }' });
        return;
      }
      void socket.join(stationRoom(station.id));
      reply({ ok: true, state: ctx.live.states.get(station.id) ?? null });
    });
    socket.on('unsubscribe', (input: unknown) => {
      const parsed = SubscribeSchema.safeParse(input);
      if (parsed.success) void socket.leave(stationRoom(parsed.data.stationId));
    });
    // A login ends for sockets too: the client must log in again to reconnect.
    const expiry = runAt(socket.data.expiresAt as number, () => socket.disconnect(true));
    socket.on('disconnect', () => {
      expiry.clear();
      connected.dec();
    });
  });

  const briefOf = (id: string, district: DistrictCode, s: StationState | undefined): StationBrief =>
    brief(id, district, s, judgeLive(s, ctx.now(), ctx.offlineAfterMs(id)));

  function snapshot(user: User): LiveSnapshot {
    const stations = (user.district ? ctx.registry.inDistrict(user.district) : ctx.registry.stations).map((s) =>
      briefOf(s.id, s.district, ctx.live.states.get(s.id)),
    );
    return { at: ctx.now(), stations, alerts: activeAlerts(ctx.alerting, user.district) };
  }

  // Station state changes are batched per short window (one frame per socket per window instead
  // of one per change: at 500 sockets the per-frame cost is what limits fan-out); full telemetry
  // deltas per station are coalesced over the longer throttle window.
  const briefs = new Map<string, StationBrief>();
  const changedBriefs = new Map<string, StationBrief & { at: number }>();
  const lastSent = new Map<string, StationState>();
  const pending = new Map<string, StationState>();
  const judge = (id: string, district: DistrictCode, state: StationState, at: number): void => {
    const next = briefOf(id, district, state);
    const prev = briefs.get(id);
    briefs.set(id, next);
    if (!prev || prev.live !== next.live || prev.open !== next.open || prev.people !== next.people) {
      changedBriefs.set(id, { ...next, at: changedBriefs.get(id)?.at ?? at });
    }
  };
  const onTelemetry = (message: Telemetry, state: StationState): void => {
    const station = ctx.registry.get(message.stationId);
    if (!station) return;
    judge(station.id, station.district, state, message.ts);
    pending.set(station.id, state);
  };
  ctx.live.on('telemetry', onTelemetry);
  for (const s of ctx.registry.stations) {
    const state = ctx.live.states.get(s.id);
    if (state) briefs.set(s.id, briefOf(s.id, s.district, state));
  }
  const sweep = setInterval(() => {
    for (const b of briefs.values()) {
      const state = ctx.live.states.get(b.id);
      if (state && b.live === 'online') judge(b.id, b.district, state, ctx.now());
    }
  }, STALE_SWEEP_MS);
  sweep.unref();
  const batch = setInterval(() => {
    if (changedBriefs.size === 0) return;
    const all = [...changedBriefs.values()];
    changedBriefs.clear();
    // 'city' and the district rooms never share a socket, so each socket gets exactly one batch.
    io.local.to(CITY_ROOM).emit('stations', all);
    const byDistrict = new Map<DistrictCode, typeof all>();
    for (const b of all) byDistrict.set(b.district, [...(byDistrict.get(b.district) ?? []), b]);
    for (const [district, list] of byDistrict) io.local.to(districtRoom(district)).emit('stations', list);
    emitted.inc({ event: 'stations' }, 1 + byDistrict.size);
  }, batchMs);
  batch.unref();
  const flush = setInterval(() => {
    for (const [id, state] of pending) {
      const changes = stateDelta(lastSent.get(id), state);
      lastSent.set(id, state);
      if (changes) {
        io.local.to(stationRoom(id)).emit('telemetry', { stationId: id, at: ctx.now(), changes });
        emitted.inc({ event: 'telemetry' });
      }
    }
    pending.clear();
  }, throttleMs);
  flush.unref();

  const offTransition = ctx.alerting.onTransition((t: AlertTransition) => {
    io.to(toDistrict(t.alert.district)).emit('alert', t);
    emitted.inc({ event: 'alert' });
  });

  return {
    io,
    async close() {
      clearInterval(flush);
      clearInterval(batch);
      clearInterval(sweep);
      ctx.live.off('telemetry', onTelemetry);
      offTransition();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      for (const c of adapterClients) c.disconnect();
    },
  };
}
