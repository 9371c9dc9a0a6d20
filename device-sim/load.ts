import { APPLIANCES, type Appliance } from '../domain/equipment.js';
import type { Logger } from '../lib/logger.js';
import type { Station } from '../domain/station.js';
import type { AppliancePayload, OccupancyPayload, SpeakerPayload, StatusPayload } from '../domain/telemetry.js';
import { telemetryTopic } from '../domain/topics.js';
import { StationConnection } from './connection.js';
import type { Payload } from './model/station-model.js';
import { StatsRecorder, type FleetStats } from './stats.js';

// Load mode: every station sends valid telemetry at a fixed rate, with current timestamps, so
// throughput and latency can be measured without the behaviour model's daily rhythm. Each
// message is a distinct InfluxDB point (per-station timestamps strictly increase).

export interface LoadMessage {
  topic: string;
  payload: Payload;
}

/**
 * The n-th load message of a station: cycles through occupancy, its fridge (or its first reporting
 * appliance), its speaker and heartbeat, skipping what the station does not have (the ingest refuses that).
 */
export function loadMessage(station: Station, n: number, ts: number): LoadMessage {
  const id = station.id;
  const appliance: Appliance | undefined = station.equipment.fridge === 'telemetry' ? 'fridge' : APPLIANCES.find((a) => station.equipment[a] === 'telemetry');
  const hasSpeaker = station.equipment.ai_speaker === 'telemetry';
  const kind = (['occupancy', appliance ? 'appliance' : 'status', hasSpeaker ? 'speaker' : 'occupancy', 'status'] as const)[n % 4];
  switch (kind) {
    case 'occupancy': {
      const payload: OccupancyPayload = { station: id, ts, people: n % (station.capacity + 1), entries: n % 3 };
      return { topic: telemetryTopic({ stationId: id, channel: 'occupancy' }), payload };
    }
    case 'appliance': {
      const payload: AppliancePayload = {
        station: id,
        ts,
        appliance: appliance!,
        on: true,
        powerW: n % 2 ? 95 : 2,
        faultCode: null,
        ...(appliance === 'fridge' ? { tempC: 3 + (n % 30) / 10 } : {}),
      };
      return { topic: telemetryTopic({ stationId: id, channel: 'appliance', appliance: appliance! }), payload };
    }
    case 'speaker': {
      const payload: SpeakerPayload = {
        station: id,
        ts,
        online: true,
        wakeups: n % 3,
        queries: { news_policy: n % 2, qa: 1, learning: 0, relaxation: n % 2, life_services: 0 },
      };
      return { topic: telemetryTopic({ stationId: id, channel: 'speaker' }), payload };
    }
    default: {
      const payload: StatusPayload = { station: id, ts, online: true, reason: 'heartbeat', uptimeS: n, wifiRssiDbm: -55 };
      return { topic: telemetryTopic({ stationId: id, channel: 'status' }), payload };
    }
  }
}

/**
 * A station's heartbeat once a period plus `changes` change reports (occupancy, its fridge, its speaker, in
 * turn) in between: message n of a station is its heartbeat every (changes + 1)-th time, as stations report in the field.
 */
export function heartbeatAndChanges(changes: number): (station: Station, n: number, ts: number) => LoadMessage {
  const cycle = changes + 1;
  return (station, n, ts) => {
    const period = Math.floor(n / cycle);
    if (n % cycle === changes) return loadMessage(station, period * 4 + 3, ts);
    // The k-th change: kinds 0, 1, 2 of loadMessage's cycle of four (3 is the heartbeat).
    const k = period * changes + (n % cycle);
    return loadMessage(station, Math.floor(k / 3) * 4 + (k % 3), ts);
  };
}

export interface LoadOptions {
  stations: readonly Station[];
  /** Several: station i connects to brokerUrl[i % length] (nodes of a cluster). */
  brokerUrl: string | readonly string[];
  credentials?: Readonly<Record<string, string>>;
  /** Messages per second per station (0: connect only). */
  rate: number;
  /** Spread the stations' sends evenly over the period instead of all at once (a real fleet is not in step). */
  stagger?: boolean;
  /** What the n-th message of a station is; loadMessage by default. */
  message?: (station: Station, n: number, ts: number) => LoadMessage;
  qos?: 0 | 1;
  keepaliveS?: number;
  localAddresses?: readonly string[];
  /** CONNECTs awaiting CONNACK at once. */
  connectConcurrency?: number;
  /** Each station's inflight window (StationConnection.maxInFlight); unlimited when absent. */
  maxInFlight?: number;
  logger: Logger;
}

export interface Load {
  /** Resolves when every station is connected. */
  readonly ready: Promise<void>;
  /** Starts publishing at the rate. */
  start(): void;
  stats(): FleetStats;
  connected(): number;
  stop(): Promise<FleetStats>;
}

/** Longest wait on stop for in-flight messages to be acknowledged. */
const SETTLE_MS = 60_000;

export function startLoad(o: LoadOptions): Load {
  const stats = new StatsRecorder();
  const qos = o.qos ?? 1;
  const units = o.stations.map((station) => ({ station, conn: null as StationConnection | null, sent: 0, lastTs: 0 }));
  const concurrency = o.connectConcurrency ?? 200;
  const brokerUrls = typeof o.brokerUrl === 'string' ? [o.brokerUrl] : o.brokerUrl;
  const message = o.message ?? loadMessage;
  // Station i is due its k-th message at (k + phase) / rate seconds after start, phase in [0, 1).
  const phase = (i: number): number => (o.stagger ? i / units.length : 0);

  let stopped = false;
  const ready = (async () => {
    let next = 0;
    const worker = async (): Promise<void> => {
      // Stopped while connecting: open no more connections.
      for (let i = next++; i < units.length && !stopped; i = next++) {
        const unit = units[i]!;
        await new Promise<void>((resolve) => {
          unit.conn = new StationConnection({
            stationId: unit.station.id,
            brokerUrl: brokerUrls[i % brokerUrls.length]!,
            password: o.credentials?.[unit.station.id],
            will: { station: unit.station.id, online: false, reason: 'lwt' },
            keepaliveS: o.keepaliveS ?? 60,
            reconnectMs: 2000,
            maxInFlight: o.maxInFlight,
            localAddress: o.localAddresses?.length ? o.localAddresses[i % o.localAddresses.length] : undefined,
            stats,
            logger: o.logger,
            onConnect: (first) => first && resolve(),
          });
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, units.length) }, worker));
  })();

  let timer: NodeJS.Timeout | null = null;
  let started = 0;
  const tick = (): void => {
    const elapsedS = (performance.now() - started) / 1000;
    const now = Date.now();
    units.forEach((u, i) => {
      // Not yet connecting (a run that gave up waiting for every connection): nothing to send on.
      if (!u.conn) return;
      const due = Math.floor(elapsedS * o.rate + phase(i));
      while (u.sent < due) {
        u.lastTs = Math.max(now, u.lastTs + 1);
        const m = message(u.station, u.sent++, u.lastTs);
        u.conn!.publish(m.topic, JSON.stringify(m.payload), qos, false);
      }
    });
  };

  return {
    ready,
    start() {
      if (o.rate <= 0 || timer) return;
      started = performance.now();
      timer = setInterval(tick, 20);
    },
    stats: () => stats.snapshot({ stations: units.length, connected: units.filter((u) => u.conn?.connected).length, simulatedTime: Date.now() }),
    connected: () => units.filter((u) => u.conn?.connected).length,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      // Let what is in flight be acknowledged before the links close, so that "failed" counts
      // messages refused or lost, not ones still queued behind an overloaded broker.
      const settleBy = performance.now() + SETTLE_MS;
      while (stats.sent > stats.acknowledged + stats.failed && performance.now() < settleBy) await new Promise((r) => setTimeout(r, 100));
      await Promise.all(units.map((u) => u.conn?.end(null, qos)));
      stats.settleAsFailed();
      return stats.snapshot({ stations: units.length, connected: 0, simulatedTime: Date.now() });
    },
  };
}
