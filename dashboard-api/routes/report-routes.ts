import { z } from 'zod';
import { DISTRICT_CODES, type DistrictCode } from '../../domain/districts.js';
import { localDateOf, midnightOfDate } from '../../domain/schedule.js';
import { ALERTING_SERIES, SERIES, TAGS } from '../../domain/series.js';
import { SPEAKER_CATEGORIES } from '../../domain/telemetry.js';
import { quoteIdent, sumsOf } from '../../lib/influx/query.js';
import type { Api } from '../api-routes.js';
import { scopeDistrict, visibleDistricts } from '../auth/scope.js';
import { EVERYONE } from '../auth/users.js';
import { buildProgress } from '../build-progress.js';
import type { ApiContext } from '../context.js';
import { MonthlyReportSchema, monthlyReport, monthlyReportCsv, monthlyReportHtml } from '../monthly-report.js';

// The monthly report city staff send upward (issue 11 item 6): JSON for the dashboard, CSV and
// printable HTML to download. A maintainer gets their own district's row.

const Query = z.strictObject({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month, YYYY-MM')
    .optional()
    .describe('Local month; default: the last complete one'),
  district: z.enum(DISTRICT_CODES).optional(),
  format: z.enum(['json', 'csv', 'html']).default('json'),
});

const n = (v: unknown): number => (typeof v === 'number' ? v : 0);
const TIME_FIELDS = ['scheduled_ms', 'open_ms', 'closed_ms', 'offline_ms', 'uncovered_ms', 'declared_closed_ms'] as const;

export function reportRoutes(api: Api, ctx: ApiContext): void {
  api.route({
    method: 'get',
    path: '/api/reports/monthly',
    tag: 'compliance',
    summary:
      'Monthly report: districts ranked by open compliance and facility completeness, usage (visits, peak occupancy, speaker use), the month’s approved (and pending) closures and schedule changes, late self-checks, build progress notes; JSON, CSV or printable HTML',
    roles: EVERYONE,
    query: Query,
    response: MonthlyReportSchema,
    produces: ['text/csv', 'text/html'],
    async handler({ user, query, res }) {
      const district = scopeDistrict(user, query.district);
      const districts: readonly DistrictCode[] = district ? [district] : visibleDistricts(user);
      const now = ctx.now();
      const month = query.month ?? localDateOf(midnightOfDate(`${localDateOf(now).slice(0, 7)}-01`) - 1).slice(0, 7);
      const [y, m] = month.split('-').map(Number) as [number, number];
      const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
      const range = { from: new Date(midnightOfDate(`${month}-01`)).toISOString(), to: new Date(midnightOfDate(`${next}-01`)).toISOString() };
      const where = `time >= $from AND time < $to`;
      const [time, occupancy, speaker, requests, selfChecks] = await Promise.all([
        ctx.influx.query(
          `SELECT ${sumsOf(TIME_FIELDS)} FROM ${quoteIdent(ALERTING_SERIES.complianceDaily.measurement)} WHERE ${where} GROUP BY ${quoteIdent(TAGS.station)}, ${quoteIdent(TAGS.district)}`,
          range,
        ),
        ctx.influx.query(
          `SELECT sum("entries") AS visits, max("people") AS peak FROM ${quoteIdent(SERIES.occupancy.measurement)} WHERE ${where} GROUP BY ${quoteIdent(TAGS.district)}`,
          range,
        ),
        ctx.influx.query(
          `SELECT sum("wakeups") AS wakeups, ${sumsOf(SPEAKER_CATEGORIES.map((c) => `q_${c}`))} FROM ${quoteIdent(SERIES.speaker.measurement)} WHERE ${where} GROUP BY ${quoteIdent(TAGS.district)}`,
          range,
        ),
        ctx.scheduleRequests.list({ ...(district ? { district } : {}), states: ['approved', 'pending'] }),
        ctx.selfChecks.list(y),
      ]);
      const usage = new Map<string, { visits: number; peakPeople: number | null; speakerWakeups: number; speakerQueries: number }>();
      const of = (d: string) => usage.get(d) ?? usage.set(d, { visits: 0, peakPeople: null, speakerWakeups: 0, speakerQueries: 0 }).get(d)!;
      for (const r of occupancy) Object.assign(of(String(r[TAGS.district])), { visits: n(r.visits), peakPeople: typeof r.peak === 'number' ? r.peak : null });
      for (const r of speaker)
        Object.assign(of(String(r[TAGS.district])), {
          speakerWakeups: n(r.wakeups),
          speakerQueries: SPEAKER_CATEGORIES.reduce((a, c) => a + n(r[`q_${c}`]), 0),
        });
      const report = monthlyReport(
        {
          month,
          generatedAt: now,
          threshold: ctx.complianceThreshold,
          districts,
          stationsIn: (d) => ctx.registry.inDistrict(d).length,
          stationTime: time.map((r) => ({
            stationId: String(r[TAGS.station]),
            district: String(r[TAGS.district]),
            time: {
              scheduledMs: n(r.scheduled_ms),
              openMs: n(r.open_ms),
              closedMs: n(r.closed_ms),
              offlineMs: n(r.offline_ms),
              uncoveredMs: n(r.uncovered_ms),
              declaredClosedMs: n(r.declared_closed_ms),
            },
          })),
          usage,
          facility: [...ctx.complianceById().values()].map((c) => ({ ...c.facility, district: c.district })),
          notes: district ? [] : (buildProgress(ctx.registry.stations, districts, true).city?.notes ?? []),
          scheduleRequests: requests,
          stationName: (id) => ctx.registry.get(id)?.name ?? '',
          selfCheckSubmissions: new Map(selfChecks.flatMap((c) => (c.submittedAt === undefined ? [] : [[c.district, c.submittedAt] as const]))),
        },
        midnightOfDate(`${next}-01`),
      );
      if (query.format === 'json') return report;
      if (query.format === 'csv') res.type('text/csv; charset=utf-8').attachment(`monthly-report-${month}.csv`).send(monthlyReportCsv(report));
      else res.type('text/html; charset=utf-8').send(monthlyReportHtml(report, localDateOf(now)));
      return undefined;
    },
  });
}
