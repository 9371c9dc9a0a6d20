import type { Interval } from '../domain/schedule.js';
import { coveredIntervals, judgedCoverage, mergeIntervals } from '../rules/coverage.js';
import type { AlertStore } from './store.js';

// The alerting service's copy of the platform's coverage (platform_coverage points, written by the
// ingest) for the live day: loaded at start, topped up periodically. Points replayed late from an
// ingest's spool land up to LOOKBACK_MS in the past; older late points count at the next rollup.

const LOOKBACK_MS = 10 * 60_000;
const LOAD_CHUNK_MS = 7 * 86_400_000;

export interface CoverageView {
  /** Reads the coverage of [from, to) afresh (start-up, day roll-over). */
  load(from: number, to: number): Promise<void>;
  /** Adds the points written since the last read, up to `now`. */
  refresh(now: number): Promise<void>;
  /** Covered time within [from, to) in which station silence is judged (see judgedCoverage). */
  judged(from: number, to: number): Interval[];
  forgetBefore(t: number): void;
}

export function coverageView(store: Pick<AlertStore, 'loadCoverage'>, graceMs: number): CoverageView {
  let covered: Interval[] = [];
  let readUntil = -Infinity;
  const add = async (from: number, to: number): Promise<void> => {
    covered = mergeIntervals([...covered, ...coveredIntervals(await store.loadCoverage(from, to), from, to)]);
    readUntil = Math.max(readUntil, to);
  };
  return {
    async load(from, to) {
      covered = [];
      // From a grace earlier: a stretch already running at `from` is not a fresh start of watching.
      // A week at a time: a year of an ingest's points in one answer would be millions of rows.
      for (let s = from - graceMs; s < to; s += LOAD_CHUNK_MS) await add(s, Math.min(to, s + LOAD_CHUNK_MS));
    },
    refresh: (now) => add(Math.min(readUntil, now) - LOOKBACK_MS, now),
    judged: (from, to) =>
      judgedCoverage(covered, graceMs)
        .map(([s, e]) => [Math.max(s, from), Math.min(e, to)] as const)
        .filter(([s, e]) => s < e),
    forgetBefore(t) {
      covered = covered.filter(([, e]) => e > t);
    },
  };
}
