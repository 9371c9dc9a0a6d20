import type { ComplianceTime } from '../domain/alerts.js';
import type { DistrictCode } from '../domain/districts.js';
import { SITE_CHECKS } from '../domain/inspection.js';
import { localDateOf, midnightOfDate } from '../domain/schedule.js';
import { ALERTING_SERIES, TAGS } from '../domain/series.js';
import { quoteIdent, sumsOf } from '../lib/influx/query.js';
import { liveEvidence, type FormEvidence } from '../rules/acceptance-form.js';
import { activeAlerts, type ApiContext } from './context.js';

// What a district's acceptance form of a year is judged on (issue 11): the current year on the live
// snapshots and unresolved alerts; a past year on its own daily compliance rollups in InfluxDB and
// its own inspections, never on today's figures.

const TIME_FIELDS = ['scheduled_ms', 'open_ms', 'closed_ms', 'offline_ms', 'uncovered_ms', 'declared_closed_ms'] as const;

export const currentYear = (now: number): number => Number(localDateOf(now).slice(0, 4));

async function yearTime(ctx: Pick<ApiContext, 'influx'>, district: DistrictCode, year: number): Promise<Map<string, ComplianceTime>> {
  const m = ALERTING_SERIES.complianceDaily.measurement;
  const rows = await ctx.influx.query(
    `SELECT ${sumsOf(TIME_FIELDS)} FROM ${quoteIdent(m)} WHERE ${quoteIdent(TAGS.district)} = $district AND time >= $from AND time < $to GROUP BY ${quoteIdent(TAGS.station)}`,
    { district, from: new Date(midnightOfDate(`${year}-01-01`)).toISOString(), to: new Date(midnightOfDate(`${year + 1}-01-01`)).toISOString() },
  );
  // Rows from before the not-open split lack its fields (null sums): their not-open time is unknown.
  const ms = (v: unknown): number => (typeof v === 'number' ? v : 0);
  return new Map(
    rows.map((r) => [
      String(r[TAGS.station]),
      {
        scheduledMs: ms(r.scheduled_ms),
        openMs: ms(r.open_ms),
        closedMs: ms(r.closed_ms),
        offlineMs: ms(r.offline_ms),
        uncoveredMs: ms(r.uncovered_ms),
        declaredClosedMs: ms(r.declared_closed_ms),
      },
    ]),
  );
}

export async function formEvidence(
  ctx: Pick<ApiContext, 'influx' | 'inspections' | 'stationAcceptances' | 'complianceById' | 'alerting' | 'now'>,
  district: DistrictCode,
  year: number,
): Promise<FormEvidence> {
  const from = midnightOfDate(`${year}-01-01`);
  const to = midnightOfDate(`${year + 1}-01-01`);
  const [siteChecks, plaqued] = await Promise.all([
    ctx.inspections.newestChecks(district, SITE_CHECKS, from, to),
    ctx.stationAcceptances.plaqued(district, year),
  ]);
  if (year === currentYear(ctx.now())) {
    const snaps = [...ctx.complianceById().values()].filter((c) => c.district === district);
    return liveEvidence(snaps, activeAlerts(ctx.alerting, district), { siteChecks, plaqued });
  }
  return { time: await yearTime(ctx, district, year), live: null, siteChecks, plaqued };
}
