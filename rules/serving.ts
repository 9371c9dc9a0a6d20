import type { Interval } from '../domain/schedule.js';

// Time a station was open for service: it said "open" (service channel) AND it was online
// (status heartbeats, each covering at most `staleMs` unless a newer status came sooner; a
// Last Will or shutdown ends it at once). A held heartbeat (`heldMs`, written only by the history
// fill) stands for a run of heartbeats from its time to `heldMs` later: it folds exactly as the run
// would (heldRuns below makes them). One fold serves the live figure and the rollup
// recomputed from raw InfluxDB rows, so both agree by construction.

export interface Sample {
  t: number;
  on: boolean;
  /** A run of "on" samples: the last came this long after `t`, each within `staleMs` of the one before. */
  heldMs?: number;
}

/** The longest run one held heartbeat may stand for: readers of a range look back this far (plus staleMs). */
export const MAX_HELD_MS = 3_600_000;

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
    const last = s.t + (s.heldMs ?? 0);
    if (sig.current) sig.current.last = last;
    else sig.current = { start: s.t, last };
  } else if (sig.current) {
    if (s.t > sig.current.start) sig.closed.push([sig.current.start, s.t]);
    sig.current = null;
  }
}

/**
 * Runs of "on" samples (each within `staleMs` of the one before, or held runs themselves) as held
 * samples of at most MAX_HELD_MS, other samples as they are; folded, they give the same intervals.
 * `sample` says what an item is (null: not a sample, passed on at once). Order of the output:
 * a run comes out when it ends.
 */
export function* heldRuns<T>(items: Iterable<T>, sample: (item: T) => Sample | null, staleMs: number): Generator<{ item: T; heldMs?: number }> {
  let run: { item: T; start: number; last: number } | null = null;
  const end = (r: { item: T; start: number; last: number }) => ({ item: r.item, heldMs: r.last - r.start });
  for (const item of items) {
    const s = sample(item);
    if (!s) {
      yield { item };
      continue;
    }
    const last = s.t + (s.heldMs ?? 0);
    if (s.on && run && s.t <= run.last + staleMs && last - run.start <= MAX_HELD_MS) {
      run.last = last;
      continue;
    }
    if (run) yield end(run);
    run = null;
    if (s.on && (s.heldMs ?? 0) <= MAX_HELD_MS) run = { item, start: s.t, last };
    else yield { item, ...(s.heldMs === undefined ? {} : { heldMs: s.heldMs }) };
  }
  if (run) yield end(run);
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
