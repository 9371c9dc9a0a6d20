import { SERIES, type FieldOf } from '../domain/series.js';
import type { Influx } from '../lib/influx/client.js';
import { quoteIdent } from '../lib/influx/query.js';

/** Every heartbeat writes it, so its newest point is the newest stored sample. */
const NEWEST_FIELD: FieldOf<'status'> = 'online';
/** A held heartbeat of the history fill stands for heartbeats up to this much later. */
const HELD_FIELD: FieldOf<'status'> = 'held_ms';

/** Time of the newest status sample stored (epoch ms), 0 when there is none: where a fill after a restart picks up. */
export async function newestSample(influx: Influx): Promise<number> {
  const rows = await influx.query(
    `SELECT ${quoteIdent(NEWEST_FIELD)}, ${quoteIdent(HELD_FIELD)} FROM ${quoteIdent(SERIES.status.measurement)} ORDER BY time DESC LIMIT 1`,
  );
  const newest = rows[0];
  return typeof newest?.time === 'number' ? newest.time + (typeof newest[HELD_FIELD] === 'number' ? newest[HELD_FIELD] : 0) : 0;
}
