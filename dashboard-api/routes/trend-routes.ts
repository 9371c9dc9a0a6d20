import { z } from 'zod';
import { DISTRICT_CODES, type DistrictCode } from '../../domain/districts.js';
import { DAY_MS, localDateOf, localMidnight, TZ_OFFSET_MS } from '../../domain/schedule.js';
import { ALERTING_SERIES, TAGS } from '../../domain/series.js';
import { complianceOf, coverageOf, NO_TIME } from '../../rules/compliance.js';
import type { Api } from '../api-routes.js';
import { scopeDistrict, visibleDistricts } from '../auth/scope.js';
import { EVERYONE } from '../auth/users.js';
import type { ApiContext } from '../context.js';
import { quoteIdent } from '../../lib/influx/query.js';

// Each district's open compliance per day over the last complete days, from the daily rollups
// (pooled time, as the figures): the 30-day trend of the overview. A day nobody watched has no
// compliance, and its coverage says so.

const M = ALERTING_SERIES.complianceDaily;
const ratio = z.number().min(0).max(1).nullable();

export const ComplianceTrendSchema = z
  .object({
    dates: z.array(z.string()).describe('The complete local days, oldest first (today is not complete)'),
    districts: z.array(
      z.object({
        district: z.enum(DISTRICT_CODES),
        compliance: z.array(ratio).describe('Per date: Σopen ÷ Σwatched scheduled time of its stations; null when nothing watched was scheduled'),
        coverage: z
          .array(ratio)
          .describe('Per date: share of the scheduled time the platform was watching; 0 or null (no rollup) = nobody watched, not closed'),
      }),
    ),
  })
  .meta({ id: 'ComplianceTrend' });
export type ComplianceTrend = z.infer<typeof ComplianceTrendSchema>;

const TrendQuerySchema = z.strictObject({
  district: z.enum(DISTRICT_CODES).optional(),
  days: z.coerce.number().int().min(1).max(92).default(30),
});

export function trendRoutes(api: Api, ctx: ApiContext): void {
  api.route({
    method: 'get',
    path: '/api/compliance/trend',
    tag: 'compliance',
    summary: 'Open compliance and monitoring coverage per district and day over the last complete days (daily rollups)',
    roles: EVERYONE,
    query: TrendQuerySchema,
    response: ComplianceTrendSchema,
    async handler({ user, query }) {
      const district = scopeDistrict(user, query.district);
      const districts = district ? [district] : visibleDistricts(user);
      const to = localMidnight(ctx.now());
      const from = to - query.days * DAY_MS;
      const dates = Array.from({ length: query.days }, (_, i) => localDateOf(from + i * DAY_MS));
      // Rollups sit at local midnight: day buckets offset to start there.
      const rows = await ctx.influx.query(
        `SELECT sum("scheduled_ms") AS "scheduled", sum("open_ms") AS "open", sum("uncovered_ms") AS "uncovered" FROM ${quoteIdent(M.measurement)} ` +
          `WHERE time >= $from AND time < $to GROUP BY time(1d, ${(DAY_MS - TZ_OFFSET_MS) / 3_600_000}h), ${quoteIdent(TAGS.district)} fill(none)`,
        { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      );
      const byDay = new Map<string, { scheduledMs: number; openMs: number; uncoveredMs: number }>();
      for (const r of rows)
        byDay.set(`${String(r[TAGS.district])}/${localDateOf(Number(r.time))}`, {
          scheduledMs: Number(r.scheduled ?? 0),
          openMs: Number(r.open ?? 0),
          uncoveredMs: Number(r.uncovered ?? 0),
        });
      return {
        dates,
        districts: districts.map((d: DistrictCode) => {
          const times = dates.map((date) => {
            const t = byDay.get(`${d}/${date}`);
            return t ? { ...NO_TIME, ...t } : null;
          });
          return {
            district: d,
            compliance: times.map((t) => (t ? complianceOf(t) : null)),
            coverage: times.map((t) => (t ? coverageOf(t) : null)),
          };
        }),
      };
    },
  });
}
