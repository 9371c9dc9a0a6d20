import type { Interval } from '../domain/schedule.js';

// Time a station was open for service: it said "open" (service channel) AND it was online
// (status heartbeats, each covering at most `staleMs` unless a newer status came sooner; a
// Last Will or shutdown ends it at once). One fold serves the live figure and the rollup
// recomputed from raw InfluxDB rows, so both agree by construction.

export interface Sample {
  t: number;
  on: boolean;
}

/** A boolean signal folded from samples into "on" intervals. Mutable accumulator: samples arrive by the thousand. */
export interface Signal {
  readonly staleMs: number;
  closed: Array<[number, number]>;
  current: { start: number; last: number } | null;
  lastT: number;
}

export const emptySignal = (staleMs: number): Signal => ({ staleMs, closed: [], current: null, lastT: -Infinity });

/** Folds one sample in; samples older than the newest one folded are ignored (late or replayed). */
export function addSample(sig: Signal, s: Sample): void {
  if (s.t < sig.lastT) return;
  sig.lastT = s.t;
  const cur = sig.current;
  if (cur && s.t > cur.last + sig.staleMs) {
    // The previous "on" went stale before this sample: close it at its stale point.
    sig.closed.push([cur.start, cur.last + sig.staleMs]);
    sig.current = null;
  }
  if (s.on) {
    if (sig.current) sig.current.last = s.t;
    else sig.current = { start: s.t, last: s.t };
  } else if (sig.current) {
    if (s.t > sig.current.start) sig.closed.push([sig.current.start, s.t]);
    sig.current = null;
  }
}

/** The signal's "on" intervals clipped to [from, to). */
export function signalIntervals(sig: Signal, from: number, to: number): Interval[] {
  const all: Array<readonly [number, number]> = [...sig.closed];
  if (sig.current) all.push([sig.current.start, Math.min(to, sig.current.last + sig.staleMs)]);
  const out: Interval[] = [];
  for (const [s, e] of all) {
    const a = Math.max(s, from);
    const b = Math.min(e, to);
    if (a < b) out.push([a, b]);
  }
  return out;
}

/** Drops intervals that end before `t` (keeps memory bounded to the current day). */
export function forgetBefore(sig: Signal, t: number): void {
  sig.closed = sig.closed.filter(([, e]) => e > t);
}

/** Intersection of two sorted, disjoint interval lists. */
export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const s = Math.max(a[i]![0], b[j]![0]);
    const e = Math.min(a[i]![1], b[j]![1]);
    if (s < e) out.push([s, e]);
    if (a[i]![1] < b[j]![1]) i++;
    else j++;
  }
  return out;
}

/** `a` without `b`, both sorted and disjoint. */
export function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const [s0, e] of a) {
    let s = s0;
    while (j < b.length && b[j]![1] <= s) j++;
    for (let k = j; k < b.length && b[k]![0] < e; k++) {
      if (b[k]![0] > s) out.push([s, b[k]![0]]);
      s = Math.max(s, b[k]![1]);
    }
    if (s < e) out.push([s, e]);
  }
  return out;
}

/** Tracks one station's service and online signals. */
export interface ServingTracker {
  open: Signal;
  online: Signal;
}

export const newServingTracker = (staleMs: number): ServingTracker => ({ open: emptySignal(Infinity), online: emptySignal(staleMs) });

/** The station's two signals within [from, to), and the platform's coverage: what a day's rollup needs. */
export interface StationSignals {
  open: readonly Interval[];
  online: readonly Interval[];
  covered: readonly Interval[];
}

export const stationSignals = (tracker: ServingTracker, covered: readonly Interval[], from: number, to: number): StationSignals => ({
  open: signalIntervals(tracker.open, from, to),
  online: signalIntervals(tracker.online, from, to),
  covered,
});

/** Folds raw rows (service "open" and status "online" samples, each sorted by time) into a tracker. */
export function trackerFromSamples(open: readonly Sample[], online: readonly Sample[], staleMs: number): ServingTracker {
  const tracker = newServingTracker(staleMs);
  for (const s of open) addSample(tracker.open, s);
  for (const s of online) addSample(tracker.online, s);
  return tracker;
}
