import { createLogger, type Logger } from './logger.js';

export interface RunningService {
  /** Stops taking input, flushes what was accepted, releases ports. */
  close(): Promise<void>;
}

/**
 * The parts a service has started, closed in reverse order (a part closed `first` before all the others):
 * at shutdown, and when start-up fails or is interrupted half-way, so nothing started is left running.
 */
export class StartedParts {
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly firstClosers: Array<() => Promise<void>> = [];

  add<T>(part: T, close: (part: T) => Promise<void>, opts: { first?: boolean } = {}): T {
    (opts.first ? this.firstClosers : this.closers).push(() => close(part));
    return part;
  }

  /** Closes every part once, the rest even when one fails; rejects with the first failure. */
  async close(): Promise<void> {
    const closers = [...this.firstClosers.splice(0).reverse(), ...this.closers.splice(0).reverse()];
    let failure: unknown;
    for (const close of closers) {
      try {
        await close();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }
}

export interface StartContext {
  /** Aborted by SIGINT/SIGTERM during start-up: long steps end early, then start() should reject. */
  signal: AbortSignal;
  /** Register what has started here: it is closed if start() rejects or is interrupted. */
  parts: StartedParts;
}

/**
 * The life of a service process: start it, log a fatal start-up error and exit 1, and on
 * SIGINT/SIGTERM close it once (flushing what it holds) before exiting 0. The signal handlers are
 * in place from the beginning: a signal during start-up aborts `ctx.signal`, the parts started so far
 * are closed and the process exits 0 (without handlers Node would die without closing anything, and
 * a detached child such as the private influxd would outlive it).
 */
export async function runService(name: string, start: (logger: Logger, ctx: StartContext) => Promise<RunningService | void>): Promise<void> {
  const logger = createLogger(name);
  const parts = new StartedParts();
  const aborter = new AbortController();
  let running: RunningService | undefined;
  let started = false;
  let stopping = false;
  // What start() returned, then the parts it registered.
  const closeAll = async (): Promise<void> => {
    try {
      await running?.close();
    } finally {
      await parts.close();
    }
  };
  const stop = async (close: () => Promise<void>, what: string, code: number): Promise<never> => {
    try {
      await close();
      logger.info({ event: 'stopped' }, `${name} ${what}`);
    } catch (err) {
      logger.error({ event: 'stop_failed', err }, `${name} did not stop cleanly`);
      code = 1;
    }
    process.exit(code);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    // `npm start` forwards the terminal's SIGINT, so one Ctrl-C can arrive twice: act once.
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'shutdown', signal, startingUp: !started }, `stopping ${name}`);
    if (started) void stop(closeAll, 'stopped cleanly', 0);
    else aborter.abort(new StartupInterrupted(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    running = (await start(logger, { signal: aborter.signal, parts })) as RunningService | undefined;
    started = true;
  } catch (err) {
    if (aborter.signal.aborted) await stop(closeAll, 'stopped during start-up', 0);
    logger.fatal({ event: 'start_failed', err }, `${name} not started: ${(err as Error).message}`);
    await stop(closeAll, 'closed what had started', 1);
  }
  // A signal that came while the last start-up step finished without looking at it.
  if (aborter.signal.aborted) await stop(closeAll, 'stopped cleanly', 0);
}

/** Thrown (as the abort reason) into a start-up that a signal interrupted. */
export class StartupInterrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`start-up interrupted by ${signal}`);
    this.name = 'StartupInterrupted';
  }
}
