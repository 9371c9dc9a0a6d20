import { localDateOf } from '../domain/schedule.js';

// History arriving at the running service (a backfill, a replayed queue) is not judged by the
// rules, but it changes the days it belongs to: once it has gone quiet for a while, those days'
// rollups are recomputed from the stored raw rows (and today's live figure re-read), so the
// figures include it without anyone re-running a rollup by hand.

export interface HistoryRollups {
  /** A history message stamped `ts` arrived at `now`. */
  note(ts: number, now: number): void;
  /** The local dates to recompute, oldest first, once nothing has arrived for the quiet time; empty otherwise. Clears them. */
  due(now: number): string[];
}

export function historyRollups(quietMs: number): HistoryRollups {
  const dates = new Set<string>();
  let lastAt = -Infinity;
  return {
    note(ts, now) {
      dates.add(localDateOf(ts));
      lastAt = now;
    },
    due(now) {
      if (dates.size === 0 || now - lastAt < quietMs) return [];
      const out = [...dates].sort();
      dates.clear();
      return out;
    },
  };
}
