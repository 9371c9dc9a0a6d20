import { z } from 'zod';
import type { Alert } from '../../domain/alerts.js';
import { StationIdSchema, StationSchema } from '../../domain/station.js';
import type { Api } from '../api-routes.js';
import { scopeDistrict } from '../auth/scope.js';
import { EVERYONE } from '../auth/users.js';
import { activeAlerts, liveOf, visibleStation, type ApiContext } from '../context.js';
import { buildHistoryQuery, HistoryQuerySchema } from '../history-query.js';
import { navigationCsv, navigationGeoJson, NavigationQuerySchema, navigationRow, NavigationRowSchema } from '../navigation-export.js';
import { sortAndPage } from '../list-query.js';
import type { StationDetail } from '../station-detail.js';
import { filterStations, STATION_SORT, StationListQuerySchema, StationListSchema, stationRow } from '../station-list.js';

export const StationParamsSchema = z.strictObject({ id: StationIdSchema });

const HistorySchema = z
  .object({ stationId: z.string(), metric: z.string(), every: z.string(), points: z.array(z.object({ t: z.number(), value: z.number() })) })
  .meta({ id: 'History' });

export function stationRoutes(api: Api, ctx: ApiContext): void {
  api.route({
    method: 'get',
    path: '/api/stations',
    tag: 'stations',
    summary: 'Stations with live state: filtered, searched, sorted by any column, one page at a time',
    roles: EVERYONE,
    query: StationListQuerySchema,
    response: StationListSchema,
    handler({ user, query }) {
      const district = scopeDistrict(user, query.district);
      const compliance = ctx.complianceById();
      const byStation = new Map<string, Alert[]>();
      for (const a of activeAlerts(ctx.alerting, district)) byStation.set(a.stationId, [...(byStation.get(a.stationId) ?? []), a]);
      const stations = district ? ctx.registry.inDistrict(district) : ctx.registry.stations;
      const rows = stations.map((s) => stationRow(s, ctx.live.states.get(s.id), liveOf(ctx, s.id), compliance.get(s.id), byStation.get(s.id) ?? []));
      const matching = filterStations(rows, { ...query, district });
      const { total, page } = sortAndPage(matching, query.sort && STATION_SORT[query.sort], query);
      return { total, stations: page };
    },
  });

  api.route({
    method: 'get',
    path: '/api/stations/:id',
    tag: 'stations',
    summary: 'One station: registry data, live state, compliance and facility status, alerts, silences, attestations',
    roles: EVERYONE,
    params: StationParamsSchema,
    response: z.object({ station: StationSchema, live: z.unknown(), liveState: z.string(), openNow: z.boolean() }).loose().meta({ id: 'StationDetail' }),
    handler({ user, params }): StationDetail {
      const station = visibleStation(ctx.registry, user, params.id);
      const judged = liveOf(ctx, station.id);
      return {
        station,
        live: ctx.live.states.get(station.id) ?? null,
        liveState: judged.live,
        openNow: judged.open,
        compliance: ctx.alerting.compliance(station.id)[0] ?? null,
        alerts: ctx.alerting.list({ stationId: station.id }),
        silences: ctx.alerting.silences(station.id),
        attestations: ctx.alerting.attestations(station.id),
      };
    },
  });

  api.route({
    method: 'get',
    path: '/api/stations/:id/history',
    tag: 'stations',
    summary: 'History of one metric from InfluxDB, aggregated per interval',
    roles: EVERYONE,
    params: StationParamsSchema,
    query: HistoryQuerySchema,
    response: HistorySchema,
    async handler({ user, params, query }) {
      const station = visibleStation(ctx.registry, user, params.id);
      const q = buildHistoryQuery(station.id, query);
      const rows = await ctx.influx.query(q.influxql, q.params);
      const points = rows.flatMap((r) => (typeof r.time === 'number' && typeof r.value === 'number' ? [{ t: r.time, value: r.value }] : []));
      return { stationId: station.id, metric: query.metric, every: query.every, points };
    },
  });

  api.route({
    method: 'get',
    path: '/api/navigation',
    tag: 'export',
    summary: 'Navigation table (附件3) for the 智慧工惠 app: JSON, CSV or GeoJSON',
    roles: EVERYONE,
    query: NavigationQuerySchema,
    response: z.array(NavigationRowSchema),
    produces: ['text/csv', 'application/geo+json'],
    handler({ user, query, res }) {
      const district = scopeDistrict(user, query.district);
      const rows = (district ? ctx.registry.inDistrict(district) : ctx.registry.stations).map((s) => navigationRow(s, liveOf(ctx, s.id)));
      if (query.format === 'json') return rows;
      const name = `navigation-${district ?? 'all'}`;
      if (query.format === 'csv') {
        res.type('text/csv; charset=utf-8').attachment(`${name}.csv`).send(navigationCsv(rows));
      } else {
        res
          .type('application/geo+json')
          .attachment(`${name}.geojson`)
          .send(JSON.stringify(navigationGeoJson(rows)));
      }
      return undefined;
    },
  });
}
