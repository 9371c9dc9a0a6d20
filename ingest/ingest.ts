import { join } from 'node:path';
import { Counter, Gauge, Histogram, type Registry as MetricsRegistry } from 'prom-client';
import { toPoint } from '../domain/series.js';
import type { StationState } from '../domain/station-state.js';
import type { Telemetry } from '../domain/telemetry.js';
import { matchesTelemetrySubscriptions } from '../domain/topics.js';
import type { Influx, PointWriter, WriterOptions } from '../lib/influx/client.js';
import { createSampledLog } from '../lib/sampled-log.js';
import { createTelemetryConsumer, type TelemetryConsumerOptions } from '../lib/telemetry-consumer.js';
import { createLocalFeed, type FeedOptions, type TelemetryConsumer, type TelemetryMeta } from '../lib/telemetry-feed.js';
import { startCoverageHeartbeat } from './coverage-heartbeat.js';

/** What every ingest needs, however the messages reach it. */
interface IngestCoreOptions extends Omit<FeedOptions, 'metrics'> {
  /** Names this ingest in its coverage heartbeat (platform_coverage's source): the MQTT client id, or the broker node. */
  clientId: string;
  influx: Influx;
  metrics: MetricsRegistry;
  writer: Pick<WriterOptions, 'spoolDir'> & Partial<Omit<WriterOptions, 'events'>>;
  /** Period of the coverage heartbeat (platform_coverage); default 15 s. */
  coverageTickMs?: number;
  /**
   * Samples older than this when received are not written (counted as not written, reason too_old): a station
   * could otherwise overwrite any of its stored points. Absent or 0: no bound, for an ingest taking a backfill.
   */
  maxAgeMs?: number;
}

/** An ingest of its own, subscribed to the broker over MQTT (a persistent session). */
export interface IngestOptions extends IngestCoreOptions, Omit<TelemetryConsumerOptions, 'metrics' | 'beforeAck'> {}

export interface Ingest {
  /** Live station states and telemetry events, for the rules engine and the API. */
  consumer: TelemetryConsumer;
  writer: PointWriter;
  /** Stops receiving, then sends what it can; the rest stays in the write-ahead log for the next start. */
  close(): Promise<void>;
}

/**
 * The broker's hook for an ingest embedded in the broker node (BrokerOptions.beforePuback): takes each
 * publish the node accepted; a returned promise holds its PUBACK until the point is durable.
 */
export type PublishHook = (topic: string, payload: Buffer) => Promise<void> | undefined;

export interface EmbeddedIngest extends Ingest {
  beforePuback: PublishHook;
}

function ingestMetrics(metrics: MetricsRegistry, writer: () => PointWriter | undefined) {
  const registers = [metrics];
  return {
    appended: new Counter({
      name: 'ingest_wal_points_appended_total',
      help: 'Points appended to the write-ahead log (before the message was acknowledged)',
      registers,
    }),
    written: new Counter({ name: 'ingest_points_written_total', help: 'Points InfluxDB confirmed (their log segment is then deleted)', registers }),
    failures: new Counter({ name: 'ingest_write_failures_total', help: 'Failed write attempts (each is retried; the points stay in the log)', registers }),
    replayed: new Counter({ name: 'ingest_points_replayed_total', help: 'Of the written points: those left in the log by an earlier run', registers }),
    refused: new Counter({ name: 'ingest_points_refused_total', help: 'Points InfluxDB refused as invalid (kept in <spool>/rejected/)', registers }),
    corrupt: new Counter({ name: 'ingest_wal_corrupt_bytes_total', help: 'Bytes of torn or corrupt log tails moved to <spool>/corrupt/', registers }),
    blocked: new Counter({
      name: 'ingest_wal_blocked_total',
      help: 'Times the log disk refused a write (full, read-only): acknowledgements held until it takes writes again',
      registers,
    }),
    blockedNow: new Gauge({ name: 'ingest_wal_blocked', help: '1 while acknowledgements are held because the log disk refuses writes', registers }),
    pending: new Gauge({
      name: 'ingest_wal_pending_points',
      help: 'Points in the write-ahead log not yet confirmed by InfluxDB',
      registers,
      collect() {
        this.set(writer()?.pendingPoints ?? 0);
      },
    }),
    skipped: new Counter({
      name: 'ingest_messages_not_written_total',
      help: 'Accepted messages deliberately not written, by reason (retained_will, too_old)',
      labelNames: ['reason'],
      registers,
    }),
    overwrites: new Counter({
      name: 'ingest_possible_overwrites_total',
      help: 'Live points not newer than the last one of their series written by this process (a resend, a late sample, or a rewrite of a stored point), by measurement',
      labelNames: ['measurement'],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'ingest_batch_write_seconds',
      help: 'Duration of one InfluxDB write request',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    lagSeconds: new Histogram({
      name: 'ingest_lag_seconds',
      help: 'Receive time minus the sample time of live messages',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers,
    }),
  };
}

/**
 * Telemetry → InfluxDB. Every accepted message becomes one point (domain/series.ts).
 *
 * Acknowledgement: the point is appended to the writer's write-ahead log (a write(2)) inside the
 * message handler, and mqtt.js sends the PUBACK only after it: an acknowledged message survives a
 * kill -9 or OOM of this process; against power loss it is as durable as the fsync policy
 * (INGEST_WAL_FSYNC). When the log's disk refuses writes the PUBACK is held (beforeAck), so the
 * broker and the stations keep the message; mqtt.js handles one packet at a time, so the hold also
 * stops every later message. Log segments are deleted once InfluxDB confirmed them and replayed at start.
 */
export function startIngest(opts: IngestOptions): Promise<Ingest> {
  return runIngest(opts, (writer) => createTelemetryConsumer({ ...opts, beforeAck: () => writer.durable() }));
}

/**
 * The ingest inside a broker node (EMQX-style): the node hands each accepted telemetry publish to
 * `beforePuback` and sends the PUBACK after it, so the point is in the write-ahead log first (one
 * write(2) for the messages of a turn of the event loop, in groups of at most 1,000) and the second
 * QoS 1 leg (broker → ingest session → PUBACK) is gone. Each node writes what its own clients
 * publish; its log replays when the node starts again.
 */
export async function startEmbeddedIngest(opts: IngestCoreOptions): Promise<EmbeddedIngest> {
  const feed = createLocalFeed(opts);
  // aedes hands over many clients' publishes in one turn of the event loop: one log write for them all.
  const ingest = await runIngest({ ...opts, writer: { ...opts.writer, appendPerTurn: true } }, () => feed);
  // Receiving from now until close: nothing reaches the node's broker without passing the hook below.
  feed.link(true, (opts.now ?? Date.now)());
  return {
    ...ingest,
    beforePuback(topic, payload) {
      // What a subscriber to all telemetry would get; the ACL keeps stations under their own prefix.
      if (!matchesTelemetrySubscriptions(topic)) return undefined;
      feed.receive(topic, payload, false);
      return ingest.writer.durable();
    },
  };
}

async function runIngest(opts: IngestCoreOptions, feedFor: (writer: PointWriter) => TelemetryConsumer): Promise<Ingest> {
  const { influx, logger, registry } = opts;
  let writerRef: PointWriter | undefined;
  const m = ingestMetrics(opts.metrics, () => writerRef);
  const writer = influx.writer({
    ...opts.writer,
    events: {
      batch: (ms, ok) => m.batchSeconds.observe({ outcome: ok ? 'ok' : 'error' }, ms / 1000),
      appended: (n) => m.appended.inc(n),
      written: (n) => m.written.inc(n),
      failed: () => m.failures.inc(),
      replayed: (n) => m.replayed.inc(n),
      rejected: (n) => m.refused.inc(n),
      corrupt: (bytes) => m.corrupt.inc(bytes),
      blocked: () => (m.blocked.inc(), m.blockedNow.set(1)),
      unblocked: () => m.blockedNow.set(0),
    },
  });
  writerRef = writer;
  const consumer = feedFor(writer);
  // The coverage heartbeat has a write-ahead log of its own (a WAL directory per writer, here
  // <spool>/coverage/, which the telemetry log's recovery ignores): its points are not telemetry
  // (kept out of the counters above and of the PUBACK hold) yet survive a crash and an InfluxDB
  // outage like it, so the claim of watched time lands with the data it vouches for.
  const coverageWriter = influx.writer({ ...opts.writer, spoolDir: join(opts.writer.spoolDir, 'coverage'), flushMs: 1000 });
  const heartbeat = startCoverageHeartbeat({ consumer, writer: coverageWriter, source: opts.clientId, tickMs: opts.coverageTickMs ?? 15_000, now: opts.now });
  const sampled = createSampledLog(logger, 5, {
    event: 'ingest_not_written_summary',
    msg: 'too old or possibly overwriting points not logged individually in the last interval',
  });
  const summaryTimer = setInterval(() => sampled.summarise(), 60_000).unref();
  // Newest sample time written per series (measurement, station, appliance): a few thousand entries for the fleet.
  const newest = new Map<string, number>();

  consumer.on('telemetry', (message: Telemetry, _state: StationState, meta: TelemetryMeta) => {
    // A retained Last Will carries no time: its `ts` is now, which would invent an offline sample at
    // every restart. The live will (published when the station drops) is written with its receive time.
    if (meta.retained && !meta.deviceTime) {
      m.skipped.inc({ reason: 'retained_will' });
      return;
    }
    if (opts.maxAgeMs && meta.receivedAt - message.ts > opts.maxAgeMs) {
      m.skipped.inc({ reason: 'too_old' });
      sampled.record('too_old', () =>
        logger.warn(
          { event: 'telemetry_too_old', station: message.stationId, channel: message.channel, ts: message.ts, maxAgeMs: opts.maxAgeMs },
          'sample older than the live horizon not written',
        ),
      );
      return;
    }
    if (!meta.retained && meta.deviceTime) m.lagSeconds.observe(Math.max(0, meta.receivedAt - message.ts) / 1000);
    const point = toPoint(message, registry.get(message.stationId)!);
    if (!meta.retained) noteOverwrite(point, message);
    writer.write(point);
  });

  /** Counts (and samples into the log) a live point that is not newer than the last of its series. */
  function noteOverwrite(point: ReturnType<typeof toPoint>, message: Telemetry): void {
    const key = `${point.measurement} ${message.stationId} ${message.channel === 'appliance' ? message.data.appliance : ''}`;
    const last = newest.get(key);
    if (last === undefined || message.ts > last) {
      newest.set(key, message.ts);
      return;
    }
    m.overwrites.inc({ measurement: point.measurement });
    sampled.record('possible_overwrite', () =>
      logger.warn(
        { event: 'possible_overwrite', station: message.stationId, measurement: point.measurement, ts: message.ts, newestTs: last },
        'point not newer than the last of its series',
      ),
    );
  }

  try {
    await consumer.ready;
  } catch (err) {
    clearInterval(summaryTimer);
    await consumer.close();
    heartbeat.stop();
    await Promise.all([writer.close(), coverageWriter.close()]);
    throw err;
  }
  // The InfluxDB version may not be known yet: the client logs it when the server answers.
  logger.info({ event: 'ingest_started', clientId: opts.clientId }, 'ingest running');

  return {
    consumer,
    writer,
    async close() {
      clearInterval(summaryTimer);
      await consumer.close();
      heartbeat.stop();
      await Promise.all([writer.close(), coverageWriter.close()]);
      logger.info({ event: 'ingest_stopped' }, 'ingest stopped; points written or kept in the write-ahead log');
    },
  };
}
