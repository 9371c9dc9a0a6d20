import { z } from 'zod';
import { DAY_MS } from '../../domain/schedule.js';
import { readCoveragePoints } from '../../lib/influx/coverage-points.js';
import { coveredIntervals } from '../../rules/coverage.js';
import { subtract } from '../../rules/serving.js';
import type { Api } from '../api-routes.js';
import { EVERYONE } from '../auth/users.js';
import type { ApiContext } from '../context.js';
import { instant } from '../history-query.js';

// When the platform itself was watching (platform_coverage), for charts and exports to mark the
// stretches nobody watched as such instead of drawing them as closed or offline.

/** A week of 15 s coverage points is about 40 000 rows: the longest range one request reads. */
const MAX_RANGE_MS = 8 * DAY_MS;

const interval = z.tuple([z.number().int(), z.number().int()]);
export const CoverageSchema = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    covered: z.array(interval).describe('Stretches the platform was receiving and storing telemetry, [start, end) epoch ms, merged'),
    uncovered: z.array(interval).describe('The rest of [from, to): nobody was watching; station figures leave it out'),
    coveredShare: z.number().min(0).max(1),
  })
  .meta({ id: 'PlatformCoverage' });

const CoverageQuerySchema = z.strictObject({ from: instant, to: instant }).superRefine((q, ctx) => {
  if (q.to <= q.from) ctx.addIssue({ code: 'custom', path: ['to'], message: '`to` must be after `from`' });
  if (q.to - q.from > MAX_RANGE_MS) ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_RANGE_MS / DAY_MS} days at once` });
});

export function coverageRoutes(api: Api, ctx: ApiContext): void {
  api.route({
    method: 'get',
    path: '/api/coverage',
    tag: 'compliance',
    summary: 'When the platform itself was watching (broker, ingest and database up and receiving) within a time range',
    roles: EVERYONE,
    query: CoverageQuerySchema,
    response: CoverageSchema,
    async handler({ query }) {
      const { from, to } = query;
      const covered = coveredIntervals(await readCoveragePoints(ctx.influx, from, to), from, to);
      const coveredMs = covered.reduce((sum, [s, e]) => sum + (e - s), 0);
      return { from, to, covered, uncovered: subtract([[from, to]], covered), coveredShare: coveredMs / (to - from) };
    },
  });
}
