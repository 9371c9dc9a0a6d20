/** InfluxDB API generations this client speaks. */
export type InfluxVersion = '1' | '2';

/**
 * Reads the `X-Influxdb-Version` header of GET /ping: 1.x answers e.g. "1.6.7~rc0" or "1.8.10",
 * 2.x answers "v2.7.1" (some builds without the "v").
 */
export function parseInfluxVersion(header: string | null | undefined): InfluxVersion {
  const match = /^v?(\d+)\./.exec(header?.trim() ?? '');
  if (match?.[1] === '1' || match?.[1] === '2') return match[1];
  throw new Error(`unsupported InfluxDB: /ping reported version ${JSON.stringify(header ?? null)} (expected 1.x or 2.x)`);
}
