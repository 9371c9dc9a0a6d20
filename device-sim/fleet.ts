import type { Logger } from '../lib/logger.js';
import { createRng } from '../domain/random.js';
import type { Registry } from '../domain/registry.js';
import type { Station } from '../domain/station.js';
import { StationConnection } from './connection.js';
import type { BadInputWindow, ResolvedFaults } from './faults.js';
import { pickHostile } from './hostile.js';
import { BehaviourSharesSchema, type BehaviourShares } from './model/profile.js';
import { createStationModel, type ModelEvent, type ModelTiming, type StationModel } from './model/station-model.js';
import { StatsRecorder, type FleetStats } from './stats.js';

// The live fleet: one MQTT client per station, each driven by its behaviour model on a shared
// simulated clock. Simulated time runs `speed` times faster than the wall clock but never ahead
// of it (the platform rejects samples from the future): a fast run starting in the past catches
// up with now and then continues in real time.

export interface FleetOptions {
  registry: Registry;
  /** The stations to run (default: the whole registry). */
  stations?: readonly Station[];
  brokerUrl: string;
  /** username → password; absent only against a broker without authentication (tests). */
  credentials?: Readonly<Record<string, string>>;
  seed?: number;
  /** Time acceleration (simulated seconds per wall-clock second). */
  speed?: number;
  /** Simulated start (epoch ms); default now, or one day ago when speed > 1. */
  start?: number;
  /** Wall clock (epoch ms). */
  clock?: () => number;
  timing?: Partial<ModelTiming>;
  shares?: Partial<BehaviourShares>;
  faults?: ResolvedFaults;
  qos?: 0 | 1;
  keepaliveS?: number;
  reconnectMs?: number;
  /** Loopback source addresses spread over the connections (127.0.0.x). */
  localAddresses?: readonly string[];
  /** How often the fleet advances, wall-clock ms. */
  tickMs?: number;
  logger: Logger;
}

export interface Fleet {
  readonly stations: readonly Station[];
  /** Resolves when every station has connected once. */
  readonly ready: Promise<void>;
  /** Simulated time now. */
  simulatedNow(): number;
  stats(): FleetStats;
  /** Drops every connection and reconnects all at once. */
  storm(): void;
  /** Sends a retained shutdown status from each station, disconnects cleanly, returns the final figures. */
  stop(): Promise<FleetStats>;
}

/**
 * Live timing by speed: a 10 s step and 60 s samples at speed 1 (about one message per station
 * every few seconds), coarser as the speed grows so the wall-clock rate stays bounded.
 */
export function liveTiming(speed: number, overrides: Partial<ModelTiming> = {}): ModelTiming {
  const scale = Math.max(1, speed / 10);
  return { stepMs: 10_000 * scale, heartbeatMs: 60_000 * scale, sampleMs: 60_000 * scale, ...overrides };
}

/** Where simulated time starts by default: now, or one day ago when it runs faster (it never runs ahead of the wall clock). */
export const defaultSimStart = (speed: number, wallNow: number): number => (speed > 1 ? wallNow - 86_400_000 : wallNow);

export function startFleet(options: FleetOptions): Fleet {
  const { logger, brokerUrl } = options;
  const clock = options.clock ?? Date.now;
  const speed = options.speed ?? 1;
  const seed = options.seed ?? 1;
  const qos = options.qos ?? 1;
  const stations = options.stations ?? options.registry.stations;
  const timing = liveTiming(speed, options.timing);
  const shares = BehaviourSharesSchema.parse(options.shares ?? {});
  const wallStart = clock();
  const simStart = options.start ?? defaultSimStart(speed, wallStart);
  const simulatedNow = (): number => Math.min(clock(), simStart + (clock() - wallStart) * speed);

  if (options.credentials) {
    const missing = stations.filter((s) => options.credentials![s.id] === undefined).map((s) => s.id);
    if (missing.length > 0) {
      throw new Error(
        `no credentials for ${missing.length} station(s): ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''} (regenerate the credentials file for this registry)`,
      );
    }
  }

  const stats = new StatsRecorder();
  const storms = [...(options.faults?.storms ?? [])];
  const hostileRng = createRng(`hostile:${seed}`);
  const badInput = new Map<string, BadInputWindow[]>();
  for (const w of options.faults?.badInput ?? []) badInput.set(w.stationId, [...(badInput.get(w.stationId) ?? []), w]);

  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  let pendingFirst = stations.length;
  if (pendingFirst === 0) resolveReady();

  interface Unit {
    model: StationModel;
    conn: StationConnection;
    nextHostile: number;
    /** Connected at least once: until then the model waits (nothing queues up before the first CONNACK). */
    live: boolean;
  }

  const units: Unit[] = stations.map((station, i) => {
    // Stagger the stations' steps over one step so the fleet's load is smooth.
    const model = createStationModel(station, {
      seed,
      start: simStart - Math.floor((i * timing.stepMs) / Math.max(1, stations.length)),
      shares,
      faults: options.faults?.byStation.get(station.id),
      ...timing,
    });
    const conn = new StationConnection({
      stationId: station.id,
      brokerUrl,
      password: options.credentials?.[station.id],
      will: model.will,
      keepaliveS: options.keepaliveS ?? 30,
      reconnectMs: options.reconnectMs ?? 1000,
      localAddress: options.localAddresses?.length ? options.localAddresses[i % options.localAddresses.length] : undefined,
      stats,
      logger,
      // CONNACKs arrive after `units` is built.
      onConnect: (first, afterModelDrop) => connected(units[i]!, first, afterModelDrop),
    });
    return { model, conn, nextHostile: 0, live: false };
  });

  function connected(unit: Unit, first: boolean, afterModelDrop: boolean): void {
    if (first) {
      // Skip what the model would have sent while the station was still connecting.
      unit.model.advance(simulatedNow());
      unit.live = true;
      if (--pendingFirst === 0) resolveReady();
    }
    // The model re-sends its state after its own drops; after a broker restart or a storm the station does.
    if (!afterModelDrop) deliver(unit, unit.model.snapshot(first ? 'boot' : 'heartbeat'));
  }

  function deliver(unit: Unit, events: readonly ModelEvent[]): void {
    for (const e of events) {
      if (e.type === 'publish') unit.conn.publish(e.topic, JSON.stringify(e.payload), qos, e.retain);
      else if (e.type === 'drop') unit.conn.drop();
      else unit.conn.reconnect();
    }
  }

  function sendHostile(unit: Unit, now: number): void {
    const windows = badInput.get(unit.model.station.id);
    if (!windows || !unit.conn.connected) return;
    const w = windows.find((x) => now >= x.from && now < x.until);
    if (!w) return;
    if (unit.nextHostile === 0) unit.nextHostile = now;
    while (unit.nextHostile <= now) {
      const m = pickHostile(unit.model.station, Math.min(now, clock()), hostileRng);
      stats.hostile++;
      // QoS 0: the broker refuses some by closing the connection, and a QoS 1 retry would repeat that forever.
      unit.conn.publish(m.topic, m.payload, 0, false);
      unit.nextHostile += w.everyMs;
    }
  }

  const tick = (): void => {
    const now = simulatedNow();
    while (storms.length > 0 && storms[0]! <= now) {
      storms.shift();
      storm();
    }
    for (const unit of units) {
      if (!unit.live) continue;
      deliver(unit, unit.model.advance(now));
      sendHostile(unit, now);
    }
  };
  const timer = setInterval(tick, options.tickMs ?? 100);

  function storm(): void {
    logger.info({ stations: units.length }, 'reconnect storm: every station drops and reconnects at once');
    for (const u of units) u.conn.storm();
  }

  const snapshot = (): FleetStats =>
    stats.snapshot({ stations: units.length, connected: units.filter((u) => u.conn.connected).length, simulatedTime: simulatedNow() });

  logger.info({ stations: units.length, brokerUrl, seed, speed, simStart: new Date(simStart).toISOString(), ...timing }, 'fleet started');

  let stopped: Promise<FleetStats> | null = null;
  return {
    stations,
    ready,
    simulatedNow,
    stats: snapshot,
    storm,
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        const at = Math.min(simulatedNow(), clock());
        await Promise.all(units.map((u) => u.conn.end({ station: u.model.station.id, ts: at, online: false, reason: 'shutdown' }, qos)));
        stats.settleAsFailed();
        const final = snapshot();
        logger.info(final, 'fleet stopped');
        return final;
      })();
      return stopped;
    },
  };
}
