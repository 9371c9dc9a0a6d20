import { HttpError, type InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import type { Logger } from '../logger.js';
import type { PointData } from '../../domain/series.js';
import { toLine } from './points.js';
import { createSpool } from './spool.js';
import type { RequestHooks, RequestObserver } from './transport.js';

export interface PointWriter {
  /** Buffers points; they are sent in batches. Throws only for a point that cannot be expressed in line protocol. */
  write(points: PointData | PointData[]): void;
  /**
   * Sends what is buffered and waits until every batch sent so far is answered. A batch that fails
   * stays with the retries (and later the spool); this does not wait for those.
   */
  flush(): Promise<void>;
  /** Flushes, settles every pending retry (written or spooled) and stops. */
  close(): Promise<void>;
}

/** Hooks for metrics; all optional. Line counts are points. */
export interface WriterEvents {
  /** One HTTP write request finished, successfully or not. */
  batch?: RequestObserver;
  written?(lines: number): void;
  failed?(error: Error, lines: number, attempt: number): void;
  spooled?(lines: number, file: string): void;
  /** InfluxDB refused the batch for good (HTTP 400/413/422); kept under spool/rejected/ for inspection. */
  rejected?(lines: number, file: string): void;
  replayed?(lines: number, file: string): void;
  /** The spool itself failed (disk full, permissions): these points are gone. */
  lost?(lines: number): void;
}

export interface WriterOptions {
  batchSize?: number;
  flushMs?: number;
  /** Retries after the first failed attempt before a batch is spooled. */
  maxRetries?: number;
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Longest time a batch is retried in memory before it is spooled. */
  maxRetryTimeMs?: number;
  /** Lines held in memory for retries; the oldest overflow goes to the spool. */
  maxBufferLines?: number;
  /** Where batches InfluxDB did not take are kept and replayed from. */
  spoolDir: string;
  events?: WriterEvents;
}

export interface WriteTarget {
  /** A client whose transport reports every write request's start and end to `hooks`. */
  makeClient(hooks?: RequestHooks): InfluxDB;
  org: string;
  bucket: string;
}

/** HTTP statuses that mean "never with this body" (bad line protocol, type conflict, too large): a replay would fail the same way. */
const INVALID_DATA = new Set([400, 413, 422]);

/**
 * A batching writer on the library's WriteApi that does not lose points: the library retries
 * with exponential backoff in memory; a batch still failing after that, one pushed out of the
 * full retry buffer, or one failing during close goes to a spool file on disk. Spool files are
 * replayed when the writer starts and whenever a write succeeds again.
 */
export function createPointWriter(target: WriteTarget, opts: WriterOptions, logger: Logger): PointWriter {
  const events = opts.events ?? {};
  const maxRetries = opts.maxRetries ?? 5;
  const spool = createSpool(opts.spoolDir);
  // The library sends full batches on its own and close() awaits only the last one: count the
  // requests in flight so flush and close can wait for all of them (else a close returned while
  // earlier batches were still on the wire, and an exit right after lost them).
  let inFlight = 0;
  const idleWaiters: Array<() => void> = [];
  const client = target.makeClient({
    started: () => void inFlight++,
    finished(ms, ok) {
      inFlight--;
      events.batch?.(ms, ok);
      if (inFlight === 0) for (const resolve of idleWaiters.splice(0)) resolve();
    },
  });
  const idle = (): Promise<void> => (inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve)));
  const settling = new Set<Promise<unknown>>();
  const track = (p: Promise<void>): Promise<void> => {
    settling.add(p);
    void p.finally(() => settling.delete(p));
    return p;
  };
  let closing = false;
  let replayWanted = true;
  let replaying: Promise<void> | undefined;

  const keep = async (lines: readonly string[], why: string): Promise<void> => {
    try {
      const file = await spool.save(lines);
      replayWanted = true;
      events.spooled?.(lines.length, file);
      logger.warn({ lines: lines.length, file, why }, 'influx batch spooled to disk');
    } catch (err) {
      events.lost?.(lines.length);
      logger.error({ err, lines: lines.length, why }, 'influx batch LOST: could not write the spool file');
    }
  };

  const refuse = async (lines: readonly string[], error: Error): Promise<void> => {
    try {
      const file = await spool.reject(lines);
      events.rejected?.(lines.length, file);
      logger.error({ err: error, lines: lines.length, file }, 'InfluxDB refused a batch as invalid; kept for inspection');
    } catch (err) {
      events.lost?.(lines.length);
      logger.error({ err, lines: lines.length }, 'invalid influx batch LOST: could not write the rejected file');
    }
  };

  const api: WriteApi = client.getWriteApi(target.org, target.bucket, 'ms', {
    batchSize: opts.batchSize ?? 1000,
    flushInterval: opts.flushMs ?? 1000,
    maxRetries,
    minRetryDelay: opts.minRetryDelayMs ?? 1000,
    maxRetryDelay: opts.maxRetryDelayMs ?? 30_000,
    maxRetryTime: opts.maxRetryTimeMs ?? 120_000,
    maxBufferLines: opts.maxBufferLines ?? 50_000,
    gzipThreshold: 4096,
    writeFailed(error, lines, attempt, expires) {
      events.failed?.(error, lines.length, attempt);
      const status = error instanceof HttpError ? error.statusCode : undefined;
      if (status !== undefined && INVALID_DATA.has(status)) return track(refuse(lines, error));
      // Beyond this the library would drop the lines (it retries only network errors and 429/5xx).
      const givingUp = closing || attempt > maxRetries || expires <= Date.now() || (status !== undefined && status < 429);
      if (givingUp) return track(keep(lines, `${error.message} (attempt ${attempt})`));
      logger.warn({ err: error, lines: lines.length, attempt }, 'influx write failed; retrying');
      return undefined;
    },
    writeSuccess(lines) {
      events.written?.(lines.length);
      if (replayWanted && !closing) void replay();
    },
    writeRetrySkipped(entry) {
      void track(keep(entry.lines, 'retry buffer full'));
    },
  });

  /** One spool file through a WriteApi of its own that reports failure instead of retrying. */
  const sendFile = async (body: string): Promise<void> => {
    const once = client.getWriteApi(target.org, target.bucket, 'ms', {
      batchSize: 2,
      flushInterval: 0,
      maxRetries: 0,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      gzipThreshold: 4096,
      writeFailed: (error) => Promise.reject(error),
    });
    try {
      once.writeRecord(body);
      await once.flush();
    } finally {
      await once.close();
    }
  };

  const replay = (): Promise<void> =>
    (replaying ??= (async () => {
      try {
        while (replayWanted && !closing) {
          replayWanted = false;
          for (const file of await spool.pending()) {
            if (closing) break;
            const { body, lines } = await spool.read(file);
            try {
              await sendFile(body);
              events.replayed?.(lines, file);
            } catch (error) {
              if (!(error instanceof HttpError && INVALID_DATA.has(error.statusCode))) throw error;
              await refuse(body.split('\n'), error);
            }
            await spool.remove(file);
          }
        }
      } catch (err) {
        replayWanted = true;
        logger.warn({ err, dir: spool.dir }, 'spool replay paused: InfluxDB not taking writes yet');
      } finally {
        replaying = undefined;
      }
    })());

  void replay();

  const settle = async (): Promise<void> => {
    while (settling.size > 0) await Promise.allSettled([...settling]);
  };

  return {
    write(points) {
      if (closing) throw new Error('influx writer is closed');
      api.writeRecords((Array.isArray(points) ? points : [points]).map(toLine));
    },
    async flush() {
      try {
        await api.flush();
      } catch {
        // Already logged and scheduled for retry by writeFailed; the spool takes it if retries run out.
      }
      await idle();
      await settle();
    },
    async close() {
      if (closing) return;
      closing = true;
      try {
        // With `closing` set, whatever still fails here is spooled rather than dropped by the library.
        await api.flush(true);
      } catch (err) {
        logger.error({ err }, 'influx writer: final flush failed');
      }
      await api.close();
      await idle();
      await replaying;
      await settle();
    },
  };
}
