import { MAX_COVERAGE_SPAN_MS, PLATFORM_SERIES } from '../../domain/series.js';
import type { Influx } from './client.js';
import { quoteIdent } from './query.js';

/**
 * The platform_coverage points that may cover part of [from, to): each claims at most
 * MAX_COVERAGE_SPAN_MS before its time, so points up to that much after `to` are read too.
 * One read for the alerting service's compliance and the dashboard's GET /api/coverage.
 */
export async function readCoveragePoints(influx: Pick<Influx, 'query'>, from: number, to: number): Promise<Array<{ end: number; spanMs: number }>> {
  const rows = await influx.query(`SELECT "span_ms" FROM ${quoteIdent(PLATFORM_SERIES.coverage.measurement)} WHERE time > $from AND time < $to`, {
    from: new Date(from).toISOString(),
    to: new Date(to + MAX_COVERAGE_SPAN_MS).toISOString(),
  });
  return rows.filter((r) => typeof r.span_ms === 'number').map((r) => ({ end: Number(r.time), spanMs: Number(r.span_ms) }));
}
