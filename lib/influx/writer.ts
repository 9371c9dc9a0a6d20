import { HttpError, type InfluxDB } from '@influxdata/influxdb-client';
import type { Logger } from '../logger.js';
import type { PointData } from '../../domain/series.js';
import { toLine } from './points.js';
import type { RequestHooks, RequestObserver } from './transport.js';
import { Wal, type FsyncPolicy, type Segment } from './wal.js';

export interface PointWriter {
  /**
   * Appends points to the write-ahead log (on return they survive a crash of this process; with
   * appendPerTurn once `durable()` resolves) and queues them for InfluxDB. When the log's disk
   * refuses them (full, read-only) they are held in memory and retried: `durable()` then stays
   * pending. Throws only for a point that cannot be expressed in line protocol.
   */
  write(points: PointData | PointData[]): void;
  /**
   * undefined when every point written so far is as durable as the fsync policy makes it;
   * otherwise a promise that resolves once it is (the log writable again, the fsync done).
   * Acknowledge a message only after it.
   */
  durable(): Promise<void> | undefined;
  /** Sends every batch written so far and waits for the answers; batches InfluxDB did not take stay in the log and are retried. */
  flush(): Promise<void>;
  /** Sends what it can once more and stops; the rest stays in the log for the next start. */
  close(): Promise<void>;
  /** Points in the log not yet confirmed by InfluxDB. */
  readonly pendingPoints: number;
}

/** Hooks for metrics; all optional. Counts are points. */
export interface WriterEvents {
  /** One HTTP write request finished, successfully or not. */
  batch?: RequestObserver;
  /** Points appended to the write-ahead log. */
  appended?(points: number): void;
  /** Confirmed by InfluxDB (live and replayed). */
  written?(points: number): void;
  failed?(error: Error, points: number, attempt: number): void;
  /** Of `written`: points left in the log by an earlier run. */
  replayed?(points: number, file: string): void;
  /** InfluxDB refused the batch for good (HTTP 400/413/422); kept under <dir>/rejected/ for inspection. */
  rejected?(points: number, file: string): void;
  /** A torn or corrupt tail of a segment was moved to <dir>/corrupt/. */
  corrupt?(bytes: number, file: string): void;
  /** The log's disk refused a write (until `unblocked`): acknowledgements are held. */
  blocked?(error: Error): void;
  unblocked?(heldMs: number): void;
}

export interface WriterOptions {
  /** Points per segment (one InfluxDB write request). */
  batchSize?: number;
  /** Longest time a point waits before its segment is sealed and sent. */
  flushMs?: number;
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Points of sealed segments kept in memory; beyond it a segment is read back from disk when its turn comes. */
  maxBufferLines?: number;
  /** Write requests in flight at once (one while InfluxDB is failing). */
  concurrency?: number;
  /** The write-ahead log directory (was the spool). */
  spoolDir: string;
  fsync?: FsyncPolicy;
  fsyncIntervalMs?: number;
  /** How often a refused log write is tried again. */
  blockedRetryMs?: number;
  /**
   * Appends the lines written in one turn of the event loop as one log record (one write(2)) at the end
   * of the turn, or each MAX_LINES_PER_TURN, instead of one per `write`; `durable()` is pending until
   * then. For a caller that takes many messages at once (the broker node's hook: aedes handles its
   * clients in parallel); a caller that handles one message at a time (mqtt.js) would only wait a turn
   * per message.
   */
  appendPerTurn?: boolean;
  /** Awaited (retried until it resolves) before the first write request, e.g. creating the database. */
  prepare?: () => Promise<void>;
  events?: WriterEvents;
}

export interface WriteTarget {
  /** Resolves once the server's API version is known (makeClient needs it). */
  ready: Promise<void>;
  /** A client whose transport reports every write request's start and end to `hooks`. */
  makeClient(hooks?: RequestHooks): InfluxDB;
  org: string;
  bucket: string;
}

/** appendPerTurn: the most lines one log record of a turn takes before it is appended. */
export const MAX_LINES_PER_TURN = 1000;

/** HTTP statuses that mean "never with this body" (bad line protocol, type conflict, too large): a replay would fail the same way. */
const INVALID_DATA = new Set([400, 413, 422]);

interface Queued extends Segment {
  /** Left by an earlier run. */
  recovered?: boolean;
}

/**
 * The write path to InfluxDB, lossless across crashes: points go to the write-ahead log first, one
 * segment per batch; a sealed segment is sent and deleted when InfluxDB confirmed it. A failing
 * batch is retried with backoff (first in line, one at a time) and never dropped.
 */
export function createPointWriter(target: WriteTarget, opts: WriterOptions, logger: Logger): PointWriter {
  const events = opts.events ?? {};
  const batchSize = opts.batchSize ?? 1000;
  const flushMs = opts.flushMs ?? 1000;
  const minRetry = opts.minRetryDelayMs ?? 1000;
  const maxRetry = opts.maxRetryDelayMs ?? 5000;
  const maxBuffer = opts.maxBufferLines ?? 50_000;
  const concurrency = opts.concurrency ?? 4;
  const { wal, recovered } = Wal.open({ dir: opts.spoolDir, fsync: opts.fsync, fsyncIntervalMs: opts.fsyncIntervalMs });
  for (const file of recovered.corruptFiles)
    logger.error({ event: 'wal_corrupt', dir: wal.dir, file }, 'write-ahead log: a torn or corrupt segment tail was moved aside; the intact records replay');
  if (recovered.corruptBytes > 0) events.corrupt?.(recovered.corruptBytes, recovered.corruptFiles.join(','));
  if (recovered.staleRemoved > 0 || recovered.segments.length > 0) {
    const points = recovered.segments.reduce((n, s) => n + s.points, 0);
    logger.info(
      {
        event: 'wal_recovered',
        dir: wal.dir,
        segments: recovered.segments.length,
        points,
        staleTmpRemoved: recovered.staleRemoved,
        legacySpoolPoints: recovered.legacyPoints,
      },
      'write-ahead log: replaying what an earlier run left',
    );
  }

  const queue: Queued[] = recovered.segments.map((s) => ({ ...s, recovered: true }));
  let pendingPoints = queue.reduce((n, s) => n + s.points, 0);
  let memPoints = 0;
  let openPoints = 0;
  let inFlight = 0;
  let failing = 0; // consecutive failed attempts
  let retryTimer: NodeJS.Timeout | undefined;
  let sealTimer: NodeJS.Timeout | undefined;
  let lastFailureLog = 0;
  let closing = false;
  let stopped = false;
  let prepared = false;
  let preparing: Promise<void> | undefined;
  const idleWaiters: Array<() => void> = [];

  // Held while the log's disk refuses writes; in order, before anything newer.
  const held: Array<{ body: string; points: number }> = [];
  let heldSince = 0;
  let heldTimer: NodeJS.Timeout | undefined;
  const heldWaiters: Array<() => void> = [];

  // The lines of this turn of the event loop (appendPerTurn), appended together when it ends.
  let turn: { lines: string[]; immediate: NodeJS.Immediate; done: Promise<void>; resolve: () => void } | undefined;

  let client: InfluxDB | undefined;
  const hooks: RequestHooks = { finished: (ms, ok) => events.batch?.(ms, ok) };

  const append = (body: string, points: number): void => {
    wal.append(body, points);
    openPoints += points;
    memPoints += points;
    pendingPoints += points;
    events.appended?.(points);
    if (openPoints >= batchSize) seal();
    else sealTimer ??= setTimeout(seal, flushMs);
  };

  function seal(): void {
    if (sealTimer) clearTimeout(sealTimer);
    sealTimer = undefined;
    const segment = wal.seal();
    openPoints = 0;
    if (!segment) return;
    // Beyond the memory bound the segment stays on disk only and is read back when its turn comes.
    if (memPoints > maxBuffer) {
      segment.bodies = undefined;
      memPoints -= segment.points;
    }
    queue.push(segment);
    pump();
  }

  const retryHeld = (): void => {
    heldTimer = undefined;
    try {
      while (held.length > 0) {
        append(held[0]!.body, held[0]!.points);
        held.shift();
      }
    } catch (_err) {
      // Sealing lets the sender delete confirmed segments, which frees the space it may be waiting for.
      seal();
      heldTimer = setTimeout(retryHeld, opts.blockedRetryMs ?? 1000);
      return;
    }
    const heldMs = Date.now() - heldSince;
    logger.warn({ event: 'wal_unblocked', dir: wal.dir, heldMs }, 'write-ahead log writable again: acknowledging messages again');
    events.unblocked?.(heldMs);
    for (const resolve of heldWaiters.splice(0)) resolve();
  };

  const hold = (body: string, points: number, err?: Error): void => {
    held.push({ body, points });
    if (err === undefined) return;
    heldSince = Date.now();
    logger.error(
      { event: 'wal_blocked', dir: wal.dir, code: (err as NodeJS.ErrnoException).code, reason: err.message },
      'write-ahead log not writable: holding acknowledgements (stations keep their messages) until it is; nothing accepted is dropped',
    );
    events.blocked?.(err);
    seal();
    heldTimer = setTimeout(retryHeld, opts.blockedRetryMs ?? 1000);
  };

  const prepare = (): Promise<void> =>
    (preparing ??= (async () => {
      for (let attempt = 1, delay = minRetry; !stopped; attempt++, delay = Math.min(delay * 2, maxRetry)) {
        try {
          await target.ready;
          client ??= target.makeClient(hooks);
          await opts.prepare?.();
          prepared = true;
          return;
        } catch (err) {
          if (attempt === 1 || Date.now() - lastFailureLog > 60_000) {
            lastFailureLog = Date.now();
            logger.warn(
              { event: 'influx_prepare_failed', attempt, reason: (err as Error).message },
              'InfluxDB not ready for writes yet; points stay in the write-ahead log',
            );
          }
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    })());

  /** One batch through a WriteApi of its own that reports failure instead of retrying (retries are ours). */
  const send = async (body: string): Promise<void> => {
    const once = client!.getWriteApi(target.org, target.bucket, 'ms', {
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

  const deliver = async (segment: Queued): Promise<void> => {
    let bodies = segment.bodies;
    if (!bodies) {
      let read: ReturnType<typeof wal.read>;
      try {
        read = wal.read(segment);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        // Deleted behind our back (by hand, or a file system mounted over the directory): nothing left to send or retry.
        logger.error({ event: 'wal_segment_missing', file: segment.file, points: segment.points }, 'write-ahead log segment vanished before it was sent');
        return;
      }
      bodies = read.bodies;
      if (read.corruptFile) {
        logger.error({ event: 'wal_corrupt', file: read.corruptFile }, 'write-ahead log: a corrupt segment tail was moved aside');
        events.corrupt?.(read.corruptBytes, read.corruptFile);
      }
    }
    try {
      await send(bodies.join('\n'));
    } catch (error) {
      if (!(error instanceof HttpError && INVALID_DATA.has(error.statusCode))) throw error;
      const file = wal.reject(segment);
      events.failed?.(error, segment.points, 1);
      logger.error(
        { event: 'influx_batch_rejected', reason: error.message, points: segment.points, file },
        'InfluxDB refused a batch as invalid; kept for inspection',
      );
      events.rejected?.(segment.points, file);
      return;
    }
    wal.remove(segment);
    events.written?.(segment.points);
    if (segment.recovered) events.replayed?.(segment.points, segment.file);
  };

  const settled = (segment: Queued): void => {
    inFlight--;
    pendingPoints -= segment.points;
    if (segment.bodies) memPoints -= segment.points;
  };

  function pump(): void {
    if (stopped || retryTimer) return;
    if (!prepared) {
      if (!preparing) void prepare().then(pump);
      notifyIdle();
      return;
    }
    const limit = failing > 0 ? 1 : concurrency;
    while (inFlight < limit && queue.length > 0) {
      const segment = queue.shift()!;
      inFlight++;
      deliver(segment).then(
        () => {
          settled(segment);
          if (failing > 0)
            logger.info(
              { event: 'influx_writes_resumed', failedAttempts: failing, pendingPoints },
              'InfluxDB takes writes again; sending the write-ahead log backlog',
            );
          failing = 0;
          pump();
        },
        (error: Error) => {
          inFlight--;
          failing++;
          events.failed?.(error, segment.points, failing);
          // Back to its place in line (others may have been taken meanwhile): order by sequence.
          const at = queue.findIndex((s) => s.seq > segment.seq);
          queue.splice(at < 0 ? queue.length : at, 0, segment);
          if (failing === 1 || Date.now() - lastFailureLog > 60_000) {
            lastFailureLog = Date.now();
            logger.warn(
              { event: 'influx_write_failed', reason: error.message, attempt: failing, pendingPoints },
              'InfluxDB write failed; retrying, points stay in the write-ahead log',
            );
          }
          if (!closing && !retryTimer) retryTimer = setTimeout(() => ((retryTimer = undefined), pump()), Math.min(minRetry * 2 ** (failing - 1), maxRetry));
          notifyIdle();
        },
      );
    }
    notifyIdle();
  }

  /** Flush waits until nothing is queued or in flight, or the queue is stuck behind a failure. */
  function notifyIdle(): void {
    if (inFlight === 0 && (queue.length === 0 || failing > 0 || !prepared || stopped)) for (const resolve of idleWaiters.splice(0)) resolve();
  }
  const idle = (): Promise<void> => new Promise((resolve) => (idleWaiters.push(resolve), notifyIdle()));

  /** Gives a start-up that is still preparing (InfluxDB answering, database created) a bounded time to finish. */
  const preparedWithin = async (ms: number): Promise<void> => {
    if (prepared || !preparing) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([preparing, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  };

  pump();

  const commit = (lines: string[]): void => {
    const body = lines.join('\n');
    if (held.length > 0) {
      hold(body, lines.length);
      return;
    }
    try {
      append(body, lines.length);
    } catch (err) {
      hold(body, lines.length, err as Error);
    }
  };

  const endTurn = (): void => {
    if (!turn) return;
    const { lines, immediate, resolve } = turn;
    turn = undefined;
    clearImmediate(immediate);
    commit(lines);
    resolve();
  };

  const startTurn = (): NonNullable<typeof turn> => {
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    return { lines: [], immediate: setImmediate(endTurn), done, resolve };
  };

  const durableNow = (): Promise<void> | undefined => {
    if (held.length > 0) return new Promise<void>((resolve) => heldWaiters.push(resolve)).then(() => wal.durable());
    return wal.durable();
  };

  return {
    write(points) {
      if (closing) throw new Error('influx writer is closed');
      const lines = (Array.isArray(points) ? points : [points]).map(toLine);
      if (lines.length === 0) return;
      if (!opts.appendPerTurn) return commit(lines);
      (turn ??= startTurn()).lines.push(...lines);
      // Under overload one turn takes every readable connection's bytes, tens of thousands of messages whose
      // PUBACKs, and the memory they hold, would all wait for its end: commit in groups instead.
      if (turn.lines.length >= MAX_LINES_PER_TURN) endTurn();
    },
    durable() {
      return turn ? turn.done.then(durableNow) : durableNow();
    },
    async flush() {
      endTurn();
      seal();
      await preparedWithin(maxRetry);
      // A retry scheduled earlier: one attempt now, so flush reports on the present state.
      if (retryTimer && prepared) {
        clearTimeout(retryTimer);
        retryTimer = undefined;
        pump();
      }
      await idle();
    },
    get pendingPoints() {
      return pendingPoints + held.reduce((n, h) => n + h.points, 0);
    },
    async close() {
      if (closing) return;
      closing = true;
      endTurn();
      if (heldTimer) {
        clearTimeout(heldTimer);
        retryHeld();
        if (heldTimer) clearTimeout(heldTimer);
        if (held.length > 0)
          logger.error(
            { event: 'wal_blocked_at_close', points: held.reduce((n, h) => n + h.points, 0) },
            'closing with points the write-ahead log could not take: they were never acknowledged, the broker redelivers them',
          );
      }
      seal();
      await preparedWithin(maxRetry);
      if (prepared && failing === 0) {
        pump();
        await idle();
      }
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      await idle();
      // Waiters of durable() stay pending: what the log did not take must never be acknowledged.
      await wal.close();
    },
  };
}
