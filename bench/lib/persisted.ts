import { SERIES, TAGS } from '../../domain/series.js';
import type { Influx } from '../../lib/influx/client.js';

/** One field per measurement the load writes, checked against the series definitions. */
const counted = <S extends { measurement: string; fields: Record<string, string> }>(series: S, field: keyof S['fields'] & string) => ({
  measurement: series.measurement,
  field,
});
const LOAD_SERIES = [counted(SERIES.occupancy, 'people'), counted(SERIES.appliance, 'on'), counted(SERIES.speaker, 'online'), counted(SERIES.status, 'online')];

/**
 * Points of the load's measurements written since `since`, not counting the probe stations. Load status
 * messages are heartbeats (online = 1): a Last Will of a loader connection cut at the end is not load.
 */
export async function persistedLoadPoints(influx: Influx, since: number, probes: readonly string[]): Promise<number> {
  const params = Object.fromEntries([['since', new Date(since).toISOString()], ...probes.map((p, i) => [`probe${i}`, p])]);
  const notProbe = probes.map((_, i) => ` AND "${TAGS.station}" != $probe${i}`).join('');
  const counts = await Promise.all(
    LOAD_SERIES.map(async ({ measurement, field }) => {
      const heartbeatsOnly = measurement === SERIES.status.measurement ? ` AND "${field}" = 1` : '';
      const rows = await influx.query(`SELECT count("${field}") FROM ${measurement} WHERE time >= $since${notProbe}${heartbeatsOnly}`, params);
      return Number(rows[0]?.count ?? 0);
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}
