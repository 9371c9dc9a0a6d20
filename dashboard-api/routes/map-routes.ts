import { z } from 'zod';
import type { Api } from '../api-routes.js';
import { EVERYONE } from '../auth/users.js';
import { TILE_DATUMS, type DashboardConfig } from '../config.js';

// What the web app's map needs from the configuration: the optional background tile layer of a
// site's own tile server (DASHBOARD_MAP_TILE_*). Without it the map draws the outlines only.

export const MapConfigSchema = z
  .object({
    tiles: z
      .object({
        url: z.string().describe('XYZ URL template with {z}, {x} and {y}'),
        datum: z.enum(TILE_DATUMS),
        attribution: z.string(),
        maxZoom: z.number().int(),
      })
      .nullable()
      .describe('null: no tile layer configured'),
  })
  .meta({ id: 'MapConfig' });
export type MapConfig = z.infer<typeof MapConfigSchema>;

export type MapSettings = Pick<
  DashboardConfig,
  'DASHBOARD_MAP_TILE_URL' | 'DASHBOARD_MAP_TILE_DATUM' | 'DASHBOARD_MAP_TILE_ATTRIBUTION' | 'DASHBOARD_MAP_TILE_MAX_ZOOM'
>;

export const mapConfig = (c: MapSettings): MapConfig => ({
  tiles: c.DASHBOARD_MAP_TILE_URL
    ? {
        url: c.DASHBOARD_MAP_TILE_URL,
        datum: c.DASHBOARD_MAP_TILE_DATUM,
        attribution: c.DASHBOARD_MAP_TILE_ATTRIBUTION,
        maxZoom: c.DASHBOARD_MAP_TILE_MAX_ZOOM,
      }
    : null,
});

export function mapRoutes(api: Api, map: MapConfig): void {
  api.route({
    method: 'get',
    path: '/api/map',
    tag: 'map',
    summary: 'Map settings of the web app: the background tile layer, if the site configured one',
    roles: EVERYONE,
    response: MapConfigSchema,
    handler: () => map,
  });
}
