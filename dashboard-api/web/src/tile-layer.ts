import { CustomChart } from 'echarts/charts';
import * as echarts from 'echarts/core';
import type { Chart } from './charts.js';
import { datumShift, tileBounds, tilesForView, tileUrl, type Tile, type TileLayer } from './map-tiles.js';

// The background tiles of a site's own tile server (DASHBOARD_MAP_TILE_URL) under the district
// outlines. ECharts' geo component has no tile layer, so this is a custom series on the geo
// coordinate system: one image per tile, its corners placed by the geo's own coord(), so the tiles
// pan and zoom with the outlines (ECharts re-runs renderItem on every roam). The geo maps lon/lat
// linearly; a tile's mercator curvature between its corners is under a pixel at the zooms used.
// Loaded only when a tile server is configured (its own chunk), so without one nothing changes.

echarts.use([CustomChart]);

export interface MapTiles {
  attribution: string;
  /** The custom series drawing the current tiles (id 'tiles'). */
  series(): Record<string, unknown>;
  /** Picks the tiles of the chart's current view (zoom level from its scale); true when they changed. */
  update(chart: Chart): boolean;
}

const keyOf = (tiles: Tile[]): string => tiles.map((t) => `${t.z}/${t.x}/${t.y}`).join(' ');

export function mapTiles(layer: TileLayer): MapTiles {
  let tiles: Tile[] = [];
  /** Tiles' datum → the map's, for the current view. */
  let shift: [number, number] = [0, 0];
  const corner = (t: Tile, at: 'nw' | 'se'): [number, number] => {
    const b = tileBounds(t);
    return at === 'nw' ? [b.west + shift[0], b.north + shift[1]] : [b.east + shift[0], b.south + shift[1]];
  };
  return {
    attribution: layer.attribution,
    series: () => ({
      id: 'tiles',
      type: 'custom',
      coordinateSystem: 'geo',
      // Under the geo component's outlines (z 0), above nothing.
      z: -1,
      silent: true,
      tooltip: { show: false },
      data: tiles.map((t) => corner(t, 'nw')),
      renderItem(params: { dataIndex: number }, api: { coord(p: [number, number]): number[] }) {
        const t = tiles[params.dataIndex]!;
        // Whole pixels: neighbours share a rounded edge, so no hairline seam shows between them.
        const [x0, y0] = api.coord(corner(t, 'nw')).map(Math.round) as [number, number];
        const [x1, y1] = api.coord(corner(t, 'se')).map(Math.round) as [number, number];
        return { type: 'image', style: { image: tileUrl(layer.url, t), x: x0, y: y0, width: x1 - x0, height: y1 - y0 } };
      },
    }),
    update(chart) {
      const [w, h] = [chart.getWidth(), chart.getHeight()];
      const nw = chart.convertFromPixel({ geoIndex: 0 }, [0, 0]) as number[] | undefined;
      const se = chart.convertFromPixel({ geoIndex: 0 }, [w, h]) as number[] | undefined;
      if (!nw || !se || !(se[0]! > nw[0]!)) return false;
      const next = tilesForView(layer, { west: nw[0]!, north: nw[1]!, east: se[0]!, south: se[1]! }, w / (se[0]! - nw[0]!));
      if (keyOf(next) === keyOf(tiles)) return false;
      tiles = next;
      shift = datumShift(layer.datum, [(nw[0]! + se[0]!) / 2, (nw[1]! + se[1]!) / 2]);
      return true;
    },
  };
}
