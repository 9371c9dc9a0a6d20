import type { Interval } from '../domain/schedule.js';
import { MAX_COVERAGE_SPAN_MS } from '../domain/series.js';

// The platform's own monitoring coverage (platform_coverage points): when broker, ingest and
// database were up and receiving. Compliance is judged over covered time only — a station is not
// blamed for our outage — and the rest is reported as uncovered, never as closed or offline.

/** One coverage point: [end − spanMs, end] was watched. */
export interface CoverageMark {
  end: number;
  spanMs: number;
}

export { MAX_COVERAGE_SPAN_MS };

/** Sorts and merges intervals that overlap or touch. */
export function mergeIntervals(intervals: Iterable<Interval>): Interval[] {
  const sorted = [...intervals].filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Covered time within [from, to), sorted and merged, from coverage points of any source. */
export function coveredIntervals(marks: Iterable<CoverageMark>, from: number, to: number): Interval[] {
  const clipped: Interval[] = [];
  for (const m of marks) {
    const s = Math.max(m.end - Math.min(m.spanMs, MAX_COVERAGE_SPAN_MS), from);
    const e = Math.min(m.end, to);
    if (s < e) clipped.push([s, e]);
  }
  return mergeIntervals(clipped);
}

/** Points declaring [from, to) covered (an import of complete history), each within the longest span. */
export function coverageMarks(from: number, to: number): CoverageMark[] {
  const out: CoverageMark[] = [];
  for (let s = from; s < to; s += MAX_COVERAGE_SPAN_MS) {
    const end = Math.min(to, s + MAX_COVERAGE_SPAN_MS);
    out.push({ end, spanMs: end - s });
  }
  return out;
}

/**
 * The ingest's side: spans of time it has been connected and subscribed. `link` on every
 * connect/disconnect, `tick` periodically; each returns the mark to write (or null). A crash writes
 * nothing more, so at most one tick of watched time goes unclaimed — never unwatched time claimed.
 */
export function coverageClock() {
  let since: number | null = null;
  const take = (now: number): CoverageMark | null => {
    if (since === null || now <= since) return null;
    const mark = { end: now, spanMs: now - since };
    since = now;
    return mark;
  };
  return {
    link(up: boolean, now: number): CoverageMark | null {
      if (up) {
        const mark = take(now);
        since ??= now;
        return mark;
      }
      const mark = take(now);
      since = null;
      return mark;
    },
    tick: take,
  };
}

/**
 * Covered time in which a station's silence is evidence: each covered stretch from `graceMs` (the
 * compliance heartbeat tolerance) after it starts. A station heartbeating every interval cannot have
 * been heard sooner after the platform began listening (again), so that first stretch is not judged.
 */
export function judgedCoverage(covered: readonly Interval[], graceMs: number): Interval[] {
  return covered.map(([s, e]) => [s + graceMs, e] as const).filter(([s, e]) => s < e);
}
