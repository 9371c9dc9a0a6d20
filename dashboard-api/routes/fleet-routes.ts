import { z } from 'zod';
import { DISTRICT_CODES } from '../../domain/districts.js';
import type { Api } from '../api-routes.js';
import { scopeDistrict, visibleDistricts } from '../auth/scope.js';
import { EVERYONE } from '../auth/users.js';
import { BuildProgressSchema, buildProgress } from '../build-progress.js';
import { activeAlerts, type ApiContext } from '../context.js';
import { FleetSummarySchema, fleetSummary, scheduledOpenCache } from '../fleet-summary.js';

const DistrictQuerySchema = z.strictObject({ district: z.enum(DISTRICT_CODES).optional() });

export function fleetRoutes(api: Api, ctx: ApiContext): void {
  // Scheduled now by the hours the alerting service judges (approved closures and schedule changes applied).
  const scheduledOpen = scheduledOpenCache((s) => ctx.alerting.scheduleOf(s.id) ?? s.openingHours);
  api.route({
    method: 'get',
    path: '/api/fleet/summary',
    tag: 'fleet',
    summary: 'Per district: registered vs plan target, online, open now, active alerts by severity, compliance, facility completeness',
    roles: EVERYONE,
    query: DistrictQuerySchema,
    response: FleetSummarySchema,
    handler({ user, query }) {
      const district = scopeDistrict(user, query.district);
      const districts = district ? [district] : visibleDistricts(user);
      const now = ctx.now();
      const all = ctx.registry.stations;
      return fleetSummary(
        {
          stations: all,
          scheduledOpen: scheduledOpen(all, now),
          states: ctx.live.states,
          alerts: activeAlerts(ctx.alerting, district),
          compliance: ctx.complianceById(),
          now,
          offlineAfterMs: ctx.offlineAfterMs,
        },
        districts,
      );
    },
  });
  api.route({
    method: 'get',
    path: '/api/progress',
    tag: 'fleet',
    summary: 'Build progress per district and plan year against the targets',
    roles: EVERYONE,
    query: DistrictQuerySchema,
    response: BuildProgressSchema,
    handler({ user, query }) {
      const district = scopeDistrict(user, query.district);
      return buildProgress(district ? ctx.registry.inDistrict(district) : ctx.registry.stations, district ? [district] : visibleDistricts(user), !district);
    },
  });
}
