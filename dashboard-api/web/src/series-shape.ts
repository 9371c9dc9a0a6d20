import { DAY_MS, localDateOf, localMidnight, scheduledIntervals, type OpeningHours } from '../../../domain/schedule.js';

// Pure shaping of history points for the station charts; no DOM, so node tests can check it.

export interface Point {
  t: number;
  value: number;
}

/**
 * Line data with a null wherever an interval has no sample (InfluxDB's fill(none) leaves it out),
 * and nulls from `from` to the first sample and after the last: ECharts draws a null as a gap, so
 * time with no data never reads as a value (a 0 would say "closed" for "not watching").
 */
export function withGaps(points: readonly Point[], stepMs: number, from: number, to: number): Array<[number, number | null]> {
  const out: Array<[number, number | null]> = [[from, null]];
  let prev = from;
  for (const p of points) {
    if (p.t - prev > stepMs * 1.5) out.push([prev + stepMs, null]);
    out.push([p.t, p.value]);
    prev = p.t;
  }
  if (to - prev > stepMs * 1.5) out.push([prev + stepMs, null]);
  out.push([to, null]);
  return out;
}

/**
 * Daily open compliance in Shanghai days from hourly means of service.open: the open share of
 * each scheduled hour, weighted by how much of that hour is scheduled, over the scheduled hours
 * that have a sample. A day with scheduled time but no sample at all is null (no data, not 0);
 * a day with nothing scheduled is left out. Hour resolution: a close for 20 minutes shows as a
 * third of that hour.
 */
export function dailyOpenShare(hours: OpeningHours, hourly: readonly Point[], from: number, to: number): Array<[string, number | null]> {
  const byHour = new Map(hourly.map((p) => [Math.floor(p.t / 3_600_000), p.value]));
  const out: Array<[string, number | null]> = [];
  for (let day = localMidnight(from); day < to; day += DAY_MS) {
    const intervals = scheduledIntervals(hours, day, Math.min(day + DAY_MS, to));
    if (!intervals.length) continue;
    let watched = 0;
    let open = 0;
    for (const [s, e] of intervals) {
      for (let hr = Math.floor(s / 3_600_000); hr * 3_600_000 < e; hr++) {
        const v = byHour.get(hr);
        if (v === undefined) continue;
        const weight = Math.min(e, (hr + 1) * 3_600_000) - Math.max(s, hr * 3_600_000);
        watched += weight;
        open += weight * v;
      }
    }
    out.push([localDateOf(day), watched ? open / watched : null]);
  }
  return out;
}
