import type { Logger } from './logger.js';

/**
 * Logs the first `perKey` events of each key (e.g. a refusal reason) per interval in full and a one-line summary of
 * the rest when the interval ends, so a client flooding bad input is fully counted (metrics) without flooding the
 * log. The caller ends intervals with `summarise()` (a timer, or a test).
 */
export function createSampledLog(logger: Logger, perKey: number, summary: { event: string; msg: string }) {
  const seen = new Map<string, number>();
  return {
    /** True when this event was logged (via `write`), false when it only went into the summary. */
    record(key: string, write: () => void): boolean {
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (n > perKey) return false;
      write();
      return true;
    },
    summarise(): void {
      const suppressed = Object.fromEntries([...seen].filter(([, n]) => n > perKey).map(([key, n]) => [key, n - perKey]));
      if (Object.keys(suppressed).length > 0) logger.warn({ event: summary.event, suppressed }, summary.msg);
      seen.clear();
    },
  };
}

/** Identifiers as a client sent them (usernames, client ids, topics) cut to a loggable length, the true length kept. */
export function clip(value: string, max = 64): string {
  return value.length <= max ? value : `${value.slice(0, max)}…(${value.length} chars)`;
}
