import { join } from 'node:path';
import { Counter, Histogram, type Registry as MetricsRegistry } from 'prom-client';
import { toPoint } from '../domain/series.js';
import type { StationState } from '../domain/station-state.js';
import type { Telemetry } from '../domain/telemetry.js';
import type { Influx, PointWriter, WriterOptions } from '../lib/influx/client.js';
import type { Logger } from '../lib/logger.js';
import { createTelemetryConsumer, type TelemetryConsumer, type TelemetryConsumerOptions, type TelemetryMeta } from '../lib/telemetry-consumer.js';
import { startCoverageHeartbeat } from './coverage-heartbeat.js';

export interface IngestOptions extends Omit<TelemetryConsumerOptions, 'metrics'> {
  influx: Influx;
  metrics: MetricsRegistry;
  writer: Pick<WriterOptions, 'spoolDir'> & Partial<Omit<WriterOptions, 'events'>>;
  /** Period of the coverage heartbeat (platform_coverage); default 15 s. */
  coverageTickMs?: number;
}

export interface Ingest {
  /** Live station states and telemetry events, for the rules engine and the API. */
  consumer: TelemetryConsumer;
  writer: PointWriter;
  /** Stops receiving, then flushes (or spools) every accepted point. */
  close(): Promise<void>;
}

function ingestMetrics(metrics: MetricsRegistry) {
  const registers = [metrics];
  return {
    written: new Counter({ name: 'ingest_points_written_total', help: 'Points InfluxDB confirmed', registers }),
    failures: new Counter({ name: 'ingest_write_failures_total', help: 'Failed write attempts (each is retried, then spooled)', registers }),
    spooled: new Counter({ name: 'ingest_points_spooled_total', help: 'Points saved to the disk spool after InfluxDB did not take them', registers }),
    replayed: new Counter({ name: 'ingest_points_replayed_total', help: 'Spooled points written to InfluxDB later', registers }),
    refused: new Counter({ name: 'ingest_points_refused_total', help: 'Points InfluxDB refused as invalid (kept in spool/rejected/)', registers }),
    lost: new Counter({ name: 'ingest_points_lost_total', help: 'Points lost because the spool could not be written', registers }),
    skipped: new Counter({ name: 'ingest_messages_not_written_total', help: 'Accepted messages deliberately not written, by reason', labelNames: ['reason'], registers }),
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
 * Telemetry → InfluxDB. Every accepted message becomes one point (domain/series.ts) in the writer.
 *
 * Acknowledgement: mqtt.js handles incoming packets strictly one after another and sends the PUBACK
 * once the message handlers have run, so holding acks until a batch is in InfluxDB would serialise
 * the whole stream. Messages are acknowledged on receipt and the write path is made lossless instead:
 * library retries with backoff, then a disk spool, replayed later; close() flushes or spools.
 * Remaining crash window: on a hard crash (SIGKILL, OOM, power loss) the points buffered in memory —
 * at most INGEST_FLUSH_MS worth plus batches waiting for a retry — are lost; the broker will not resend them.
 */
export async function startIngest(opts: IngestOptions): Promise<Ingest> {
  const { influx, logger, registry } = opts;
  const m = ingestMetrics(opts.metrics);
  const writer = influx.writer({
    ...opts.writer,
    events: {
      batch: (ms, ok) => m.batchSeconds.observe({ outcome: ok ? 'ok' : 'error' }, ms / 1000),
      written: (n) => m.written.inc(n),
      failed: () => m.failures.inc(),
      spooled: (n) => m.spooled.inc(n),
      replayed: (n) => m.replayed.inc(n),
      rejected: (n) => m.refused.inc(n),
      lost: (n) => m.lost.inc(n),
    },
  });
  const consumer = createTelemetryConsumer({ ...opts, metrics: opts.metrics });
  const coverageWriter = influx.writer({ spoolDir: join(opts.writer.spoolDir, 'coverage'), flushMs: 1000 });
  const heartbeat = startCoverageHeartbeat({ consumer, writer: coverageWriter, source: opts.clientId, tickMs: opts.coverageTickMs ?? 15_000, now: opts.now });

  consumer.on('telemetry', (message: Telemetry, _state: StationState, meta: TelemetryMeta) => {
    // A retained Last Will carries no time: its `ts` is now, which would invent an offline sample at
    // every restart. The live will (published when the station drops) is written with its receive time.
    if (meta.retained && !meta.deviceTime) {
      m.skipped.inc({ reason: 'retained_will' });
      return;
    }
    if (!meta.retained && meta.deviceTime) m.lagSeconds.observe(Math.max(0, meta.receivedAt - message.ts) / 1000);
    writer.write(toPoint(message, registry.get(message.stationId)!));
  });

  try {
    await consumer.ready;
  } catch (err) {
    await consumer.close();
    heartbeat.stop();
    await Promise.all([writer.close(), coverageWriter.close()]);
    throw err;
  }
  logger.info({ event: 'ingest_started', clientId: opts.clientId, influx: influx.version }, 'ingest running');

  return {
    consumer,
    writer,
    async close() {
      await consumer.close();
      heartbeat.stop();
      await Promise.all([writer.close(), coverageWriter.close()]);
      logger.info({ event: 'ingest_stopped' }, 'ingest stopped; points flushed or spooled');
    },
  };
}
