// InfluxQL duration literals (as in CREATE/ALTER RETENTION POLICY), converted to seconds for 2.x buckets.

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION = /^(?:\d+[smhdw])+$/;

/** "0s" and "INF" mean keep forever. Sub-second units are refused: no retention is that short. */
export function isRetentionDuration(text: string): boolean {
  return text === 'INF' || DURATION.test(text);
}

/** The shortest finite retention InfluxDB (1.x and 2.x) accepts. */
export const MIN_RETENTION_S = 3600;

export function retentionSeconds(text: string): number {
  if (!isRetentionDuration(text)) throw new Error(`invalid retention duration ${JSON.stringify(text)}: use e.g. 400d, 52w, 8760h, or 0s/INF for forever`);
  if (text === 'INF') return 0;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([smhdw])/g)) total += Number(n) * UNIT_SECONDS[unit!]!;
  return total;
}

/** InfluxDB's own defaults for the shard group duration of a retention period (its docs, "shard group duration"). */
export function shardGroupSeconds(retention: number): number {
  if (retention === 0 || retention > 182 * 86_400) return 7 * 86_400;
  if (retention >= 2 * 86_400) return 86_400;
  return 3600;
}

/** InfluxQL duration literal for a number of seconds ("0s" = forever). */
export function influxqlDuration(seconds: number): string {
  return `${seconds}s`;
}
