import { z } from 'zod';
import { APPLIANCES } from '../domain/equipment.js';
import { SERIES, TAGS, type SeriesKey } from '../domain/series.js';
import { quoteIdent } from '../lib/influx/query.js';

// History reads: the measurement and field come from SERIES through a whitelist, the
// GROUP BY interval from a fixed table, and every value the request carries (station,
// appliance, time range) is a bound parameter — no request text is ever spliced into InfluxQL.

/** `channel.field` for every numeric field of every series, e.g. `service.open`, `appliance.power_w`. */
export const HISTORY_METRICS = (Object.keys(SERIES) as SeriesKey[]).flatMap((key) =>
  Object.entries(SERIES[key].fields as Record<string, string>)
    .filter(([, type]) => type !== 'string')
    .map(([field]) => `${key}.${field}`),
) as [string, ...string[]];

export const INTERVALS = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '6h': 21_600_000, '1d': 86_400_000 } as const;
export const AGGREGATES = ['mean', 'max', 'min', 'sum'] as const;
export const MAX_POINTS = 2000;

/** InfluxDB stores signed 64-bit nanoseconds: 1677-09-21T00:12:43.145Z … 2262-04-11T23:47:16.854Z (outside: a 500 from it). */
export const INFLUX_TIME_RANGE_MS = { min: -9_223_372_036_854, max: 9_223_372_036_854 } as const;

export const instant = z
  // 13 digits only: a 10-digit number is epoch seconds as often as not, and read as ms it lands in 1970.
  .union([z.iso.datetime({ offset: true }), z.string().regex(/^\d{13}$/, 'epoch milliseconds (13 digits; epoch seconds are not accepted)')])
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : Date.parse(v)))
  .refine((ms) => Number.isFinite(ms) && ms > INFLUX_TIME_RANGE_MS.min && ms < INFLUX_TIME_RANGE_MS.max, {
    message: 'outside the time range InfluxDB can store (1677-09-22 … 2262-04-11)',
  })
  .describe('ISO 8601 date-time with offset, or epoch milliseconds (13 digits), between 1677-09-22 and 2262-04-11');

export const HistoryQuerySchema = z
  .strictObject({
    metric: z.enum(HISTORY_METRICS).describe('Series and numeric field, `channel.field`'),
    appliance: z.enum(APPLIANCES).optional().describe('Required for appliance.* metrics'),
    from: instant,
    to: instant,
    every: z.enum(Object.keys(INTERVALS) as [keyof typeof INTERVALS]).default('5m'),
    agg: z.enum(AGGREGATES).default('mean'),
  })
  .superRefine((q, ctx) => {
    if (q.to <= q.from) ctx.addIssue({ code: 'custom', path: ['to'], message: '`to` must be after `from`' });
    if ((q.to - q.from) / INTERVALS[q.every] > MAX_POINTS)
      ctx.addIssue({ code: 'custom', path: ['every'], message: `more than ${MAX_POINTS} points: use a coarser interval or a shorter range` });
    if (q.metric.startsWith('appliance.') !== (q.appliance !== undefined))
      ctx.addIssue({ code: 'custom', path: ['appliance'], message: 'appliance is required for appliance.* metrics and not allowed otherwise' });
  });
export type HistoryQuery = z.infer<typeof HistoryQuerySchema>;

export interface BuiltQuery {
  influxql: string;
  params: Record<string, string>;
}

export function buildHistoryQuery(stationId: string, q: HistoryQuery): BuiltQuery {
  const [key, field] = q.metric.split('.') as [SeriesKey, string];
  const series = SERIES[key];
  // Identifiers below are constants of this codebase picked by the validated enum values.
  if (!(field in series.fields)) throw new Error(`metric ${q.metric} is not in SERIES`);
  const where = [`${quoteIdent(TAGS.station)} = $station`, 'time >= $from', 'time < $to'];
  const params: Record<string, string> = { station: stationId, from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString() };
  if (q.appliance) {
    where.push(`${quoteIdent(TAGS.appliance)} = $appliance`);
    params.appliance = q.appliance;
  }
  const every = Object.keys(INTERVALS).find((k) => k === q.every)!;
  const agg = AGGREGATES.find((a) => a === q.agg)!;
  return {
    influxql: `SELECT ${agg}(${quoteIdent(field)}) AS "value" FROM ${quoteIdent(series.measurement)} WHERE ${where.join(' AND ')} GROUP BY time(${every}) fill(none)`,
    params,
  };
}
