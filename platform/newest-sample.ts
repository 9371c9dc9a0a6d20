import { SERIES, type FieldOf } from '../domain/series.js';
import type { Influx } from '../lib/influx/client.js';
import { quoteIdent } from '../lib/influx/query.js';

/** Every heartbeat writes it, so its newest point is the newest stored sample. */
const NEWEST_FIELD: FieldOf<'status'> = 'online';

/** Time of the newest status sample stored (epoch ms), 0 when there is none: where a fill after a restart picks up. */
export async function newestSample(influx: Influx): Promise<number> {
  const rows = await influx.query(`SELECT last(${quoteIdent(NEWEST_FIELD)}) FROM ${quoteIdent(SERIES.status.measurement)}`);
  return typeof rows[0]?.time === 'number' ? rows[0].time : 0;
}
