import test from 'ava';
import { ConfigError } from '../../lib/config.js';
import { readDashboardConfig } from '../../dashboard-api/config.js';
import { mapConfig } from '../../dashboard-api/routes/map-routes.js';
import {
  datumShift,
  fromMapDatum,
  tileBounds,
  tilesCovering,
  tilesForView,
  tileUrl,
  tileXY,
  toMapDatum,
  zoomFor,
} from '../../dashboard-api/web/src/map-tiles.js';
import { outlineBox } from './helpers/outlines.js';

// The tile maths of the map's optional background layer (web/src/map-tiles.ts) and its settings.

const near = (a: number, b: number, eps = 1e-6): boolean => Math.abs(a - b) < eps;

test('tile bounds and tile numbers are web mercator’s', (t) => {
  const world = tileBounds({ z: 0, x: 0, y: 0 });
  t.true(near(world.west, -180) && near(world.east, 180) && near(world.north, 85.0511287798, 1e-9) && near(world.south, -85.0511287798, 1e-9));
  // Zoom 2, column 3, row 1: 90°E-180°, from the equator up to atan(sinh(π/2)) = 66.513°N.
  const b = tileBounds({ z: 2, x: 3, y: 1 });
  t.true(near(b.west, 90) && near(b.east, 180) && near(b.south, 0) && near(b.north, 66.51326044311186), JSON.stringify(b));
  t.deepEqual(tileXY(0, 0, 1), [1, 1]);
  // A point of Qingdao (市南区) lies inside the tile its numbers name, at every zoom.
  for (let z = 0; z <= 18; z++) {
    const [fx, fy] = tileXY(120.38, 36.07, z);
    const box = tileBounds({ z, x: Math.floor(fx), y: Math.floor(fy) });
    t.true(box.west <= 120.38 && 120.38 < box.east && box.south < 36.07 && 36.07 <= box.north, `z ${z}`);
  }
  t.is(tileUrl('https://t.example.org/{z}/{x}/{y}.png?s={z}', { z: 9, x: 427, y: 198 }), 'https://t.example.org/9/427/198.png?s=9');
});

test('the tiles covering a box: every tile it touches, row by row, and no more', (t) => {
  const one = tileBounds({ z: 10, x: 854, y: 402 });
  const inside = { west: one.west + 0.01, east: one.east - 0.01, south: one.south + 0.01, north: one.north - 0.01 };
  t.deepEqual(tilesCovering(inside, 10), [{ z: 10, x: 854, y: 402 }]);
  const corner = tileBounds({ z: 10, x: 855, y: 403 });
  t.deepEqual(
    tilesCovering({ ...inside, east: corner.west + 0.01, south: corner.north - 0.01 }, 10).map((x) => `${x.x}/${x.y}`),
    ['854/402', '855/402', '854/403', '855/403'],
  );
  // Beyond the edges of the world the columns and rows stop at its tiles.
  t.is(tilesCovering({ west: -200, east: 200, south: -89, north: 89 }, 1).length, 4);
});

test('the zoom level matches the map’s scale: a 256-px tile shows at about 256 px', (t) => {
  for (let z = 0; z <= 18; z++) t.is(zoomFor((256 * 2 ** z) / 360, 22), z);
  t.is(zoomFor(((256 * 2 ** 9) / 360) * 1.3, 22), 9, 'rounded to the nearest level');
  t.is(zoomFor(1e9, 16), 16, 'never beyond the server’s highest level');
  t.is(zoomFor(0.001, 16), 0);
});

test('datums: WGS-84 tiles are moved onto the GCJ-02 outlines by the offset of Chinese map data; GCJ-02 tiles stay', (t) => {
  const wgs: [number, number] = [120.38, 36.07];
  const gcj = toMapDatum('WGS-84', wgs);
  // In Qingdao GCJ-02 lies some 460 m east and 30 m north of WGS-84: a few thousandths of a degree east.
  t.true(gcj[0] - wgs[0] > 0.003 && gcj[0] - wgs[0] < 0.008 && gcj[1] - wgs[1] > 0 && gcj[1] - wgs[1] < 0.003, JSON.stringify(gcj));
  const back = fromMapDatum('WGS-84', gcj);
  t.true(near(back[0], wgs[0], 1e-5) && near(back[1], wgs[1], 1e-5));
  // One move for a whole view: the offset at its centre, within metres of the offset anywhere in the city.
  const [dLon, dLat] = datumShift('WGS-84', gcj);
  t.true(near(wgs[0] + dLon, gcj[0], 1e-5) && near(wgs[1] + dLat, gcj[1], 1e-5));
  const far = datumShift('WGS-84', toMapDatum('WGS-84', [119.6, 37.1]));
  t.true(Math.abs(far[0] - dLon) * 90_000 < 50 && Math.abs(far[1] - dLat) * 111_000 < 50, 'under 50 m across the city');
  t.deepEqual(datumShift('GCJ-02', gcj), [0, 0]);
  t.deepEqual(toMapDatum('GCJ-02', wgs), wgs);
  t.deepEqual(fromMapDatum('GCJ-02', wgs), wgs);
});

test('the tiles of a view of the whole city cover every outline, in the tiles’ datum', (t) => {
  const box = outlineBox();
  const layer = { url: 'http://t/{z}/{x}/{y}.png', datum: 'WGS-84' as const, attribution: '', maxZoom: 18 };
  // About 900 px across the city's ~2.6° of longitude: zoom 9.
  const tiles = tilesForView(layer, box, 900 / (box.east - box.west));
  t.true(tiles.every((x) => x.z === 9));
  const [west, south] = fromMapDatum('WGS-84', [box.west, box.south]);
  const [east, north] = fromMapDatum('WGS-84', [box.east, box.north]);
  const has = (lon: number, lat: number) =>
    tiles.some((x) => {
      const b = tileBounds(x);
      return b.west <= lon && lon < b.east && b.south < lat && lat <= b.north;
    });
  t.true(has(west, south) && has(west, north) && has(east, south) && has(east, north));
  t.true(tiles.length <= 12, `${tiles.length} tiles`);
});

test('DASHBOARD_MAP_TILE_URL: a URL template with {z}, {x} and {y}; anything else stops the start with a clear error', (t) => {
  t.deepEqual(mapConfig(readDashboardConfig({})), { tiles: null });
  const ok = readDashboardConfig({
    DASHBOARD_MAP_TILE_URL: 'http://tiles.intranet:8080/{z}/{x}/{y}.png',
    DASHBOARD_MAP_TILE_ATTRIBUTION: '© OpenStreetMap contributors',
  });
  t.deepEqual(mapConfig(ok).tiles, {
    url: 'http://tiles.intranet:8080/{z}/{x}/{y}.png',
    datum: 'WGS-84',
    attribution: '© OpenStreetMap contributors',
    maxZoom: 18,
  });
  const bad = (env: Record<string, string>): string => t.throws(() => readDashboardConfig(env), { instanceOf: ConfigError })!.message;
  t.regex(
    bad({ DASHBOARD_MAP_TILE_URL: 'https://tiles.example.org/{z}/{x}.png' }),
    /DASHBOARD_MAP_TILE_URL: expected a tile URL template with \{z\}, \{x\} and \{y\}/,
  );
  t.regex(bad({ DASHBOARD_MAP_TILE_URL: 'tiles.example.org/{z}/{x}/{y}.png' }), /DASHBOARD_MAP_TILE_URL/);
  t.regex(bad({ DASHBOARD_MAP_TILE_URL: 'ftp://tiles.example.org/{z}/{x}/{y}.png' }), /DASHBOARD_MAP_TILE_URL: expected an http:\/\/ or https:\/\/ URL/);
  t.regex(bad({ DASHBOARD_MAP_TILE_DATUM: 'BD-09' }), /DASHBOARD_MAP_TILE_DATUM/);
  t.regex(bad({ DASHBOARD_MAP_TILE_MAX_ZOOM: '30' }), /DASHBOARD_MAP_TILE_MAX_ZOOM/);
});
