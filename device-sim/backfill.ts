import type { Logger } from '../lib/logger.js';
import type { Station } from '../domain/station.js';
import type { StatusPayload } from '../domain/telemetry.js';
import { telemetryTopic, type Channel } from '../domain/topics.js';
import { StationConnection } from './connection.js';
import type { ResolvedFaults } from './faults.js';
import { BehaviourSharesSchema, type BehaviourShares } from './model/profile.js';
import { createStationModel, type ModelTiming, type Payload } from './model/station-model.js';
import { StatsRecorder, type FleetStats } from './stats.js';

// Backfill: months (up to a year) of simulated history, with historical timestamps, pushed
// through the real pipeline (MQTT, QoS 1) as fast as the broker acknowledges. Coarse steps and
// samples keep a year tractable; state changes (open/close, outages) are still sent as they happen.

/** 5 min steps, 15 min heartbeats, hourly samples: about 200 messages per station and day with every channel. */
export const BACKFILL_TIMING: ModelTiming = { stepMs: 300_000, heartbeatMs: 900_000, sampleMs: 3_600_000 };

export interface BackfillMessage {
  topic: string;
  payload: Payload;
  ts: number;
  channel: Channel;
  /** A run of heartbeats (heldHeartbeats): the last one came this long after `ts`. */
  heldMs?: number;
}

export interface BackfillSpec {
  station: Station;
  seed: number;
  /** Simulated range [from, to), epoch ms. */
  from: number;
  to: number;
  timing?: Partial<ModelTiming>;
  /** Only these channels (e.g. status and service for compliance). */
  channels?: readonly Channel[];
  shares?: Partial<BehaviourShares>;
  faults?: ResolvedFaults;
  /** Heartbeats between coarse steps as runs (see StationModelOptions.heldHeartbeats). */
  heldHeartbeats?: boolean;
}

/**
 * The messages one station sends over a range, oldest first, generated a day at a time. Pure and
 * deterministic: a compliance test can recompute the expected figures from this same sequence.
 * A lost link appears as the station's Last Will with the time it fired.
 */
export function* backfillMessages(spec: BackfillSpec): Generator<BackfillMessage> {
  const { station, from, to } = spec;
  const model = createStationModel(station, {
    seed: spec.seed,
    start: from,
    shares: BehaviourSharesSchema.parse(spec.shares ?? {}),
    faults: spec.faults?.byStation.get(station.id),
    channels: spec.channels ? new Set(spec.channels) : undefined,
    heldHeartbeats: spec.heldHeartbeats,
    ...BACKFILL_TIMING,
    ...spec.timing,
  });
  const status = telemetryTopic({ stationId: station.id, channel: 'status' });
  for (const e of model.snapshot('boot')) if (e.type === 'publish') yield { topic: e.topic, payload: e.payload, ts: e.at, channel: e.channel };
  for (let dayEnd = from; dayEnd < to; ) {
    dayEnd = Math.min(to - 1, dayEnd + 86_400_000);
    for (const e of model.advance(dayEnd)) {
      if (e.type === 'publish')
        yield { topic: e.topic, payload: e.payload, ts: e.at, channel: e.channel, ...(e.heldMs === undefined ? {} : { heldMs: e.heldMs }) };
      else if (e.type === 'drop' && (!spec.channels || spec.channels.includes('status'))) {
        const will: StatusPayload = e.will;
        yield { topic: status, payload: will, ts: e.at, channel: 'status' };
      }
    }
    if (dayEnd === to - 1) break;
  }
}

export interface BackfillOptions extends Omit<BackfillSpec, 'station'> {
  stations: readonly Station[];
  brokerUrl: string;
  credentials?: Readonly<Record<string, string>>;
  /** Messages awaiting PUBACK across the run; bounds memory and keeps the broker's queues short. */
  maxInFlight?: number;
  /** Stations replayed at once (each over its own connection). */
  concurrency?: number;
  logger: Logger;
  onProgress?(stats: FleetStats): void;
  /** Aborting stops the replay cleanly: no new messages, the in-flight ones are awaited, the totals returned. */
  signal?: AbortSignal;
}

/** Replays the range for every station through the broker; resolves with the totals once all are acknowledged. */
export async function backfill(options: BackfillOptions): Promise<FleetStats> {
  const { stations, logger } = options;
  const stats = new StatsRecorder();
  const maxInFlight = options.maxInFlight ?? 2000;
  const queue = [...stations];
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  let lastTs = options.from;
  const snapshot = (): FleetStats => stats.snapshot({ stations: stations.length, connected: 0, simulatedTime: lastTs });
  const progress = setInterval(() => options.onProgress?.(snapshot()), 500);
  const { signal } = options;
  const aborted = new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  // Publishers waiting for room in the window carry on (and see the abort) at once.
  void aborted.then(() => waiting.splice(0).forEach((wake) => wake()));

  async function replay(station: Station): Promise<void> {
    let connected!: () => void;
    const ready = new Promise<void>((resolve) => (connected = resolve));
    const conn = new StationConnection({
      stationId: station.id,
      brokerUrl: options.brokerUrl,
      password: options.credentials?.[station.id],
      will: { station: station.id, online: false, reason: 'lwt' },
      keepaliveS: 60,
      reconnectMs: 1000,
      stats,
      logger,
      onConnect: () => connected(),
      onAck: () => {
        inFlight--;
        waiting.shift()?.();
      },
    });
    await Promise.race([ready, aborted]);
    for (const m of signal?.aborted ? [] : backfillMessages({ ...options, station })) {
      while (inFlight >= maxInFlight && !signal?.aborted) await new Promise<void>((resolve) => waiting.push(resolve));
      if (signal?.aborted) break;
      inFlight++;
      lastTs = Math.max(lastTs, m.ts);
      conn.publish(m.topic, JSON.stringify(m.payload), 1, false);
    }
    await conn.end(null, 1);
  }

  const workers = Array.from({ length: Math.min(options.concurrency ?? 50, stations.length) }, async () => {
    for (let s = queue.shift(); s && !signal?.aborted; s = queue.shift()) await replay(s);
  });
  logger.info({ stations: stations.length, from: new Date(options.from).toISOString(), to: new Date(options.to).toISOString() }, 'backfill started');
  try {
    await Promise.all(workers);
  } finally {
    clearInterval(progress);
  }
  stats.settleAsFailed();
  const final = snapshot();
  logger.info(final, signal?.aborted ? 'backfill interrupted' : 'backfill done');
  return final;
}
