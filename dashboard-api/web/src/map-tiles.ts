import { gcj02ToWgs84, wgs84ToGcj02 } from '../../../domain/district-outlines.js';
import type { MapConfig } from '../../routes/map-routes.js';

// Web-mercator XYZ tiles (the scheme of OSM-style servers and of AMap) for the city map, which
// draws in GCJ-02 lon/lat (the outlines' datum): which tiles cover a view, and where a tile's
// corners fall on the map. Pure maths, so it is tested without a browser.

export type TileLayer = NonNullable<MapConfig['tiles']>;
export type Datum = TileLayer['datum'];
export interface Tile {
  z: number;
  x: number;
  y: number;
}
/** Degrees; west < east, south < north. */
export interface Bbox {
  west: number;
  south: number;
  east: number;
  north: number;
}

/** Web mercator stops here: the world is a square. */
const MAX_LAT = 85.05112878;
const TILE_PX = 256;
const rad = (deg: number): number => (deg * Math.PI) / 180;

/** Fractional tile column and row of a point at zoom z. */
export function tileXY(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const phi = rad(Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)));
  return [((lon + 180) / 360) * n, ((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * n];
}

/** The area a tile draws, in the tiles' own datum. */
export function tileBounds({ z, x, y }: Tile): Bbox {
  const n = 2 ** z;
  const lat = (row: number): number => (Math.atan(Math.sinh(Math.PI * (1 - (2 * row) / n))) * 180) / Math.PI;
  return { west: (x / n) * 360 - 180, east: ((x + 1) / n) * 360 - 180, north: lat(y), south: lat(y + 1) };
}

/** Every tile of zoom z that draws part of the box. */
export function tilesCovering(b: Bbox, z: number): Tile[] {
  const last = 2 ** z - 1;
  const clamp = (v: number): number => Math.max(0, Math.min(last, Math.floor(v)));
  const [x0, y0] = tileXY(b.west, b.north, z);
  const [x1, y1] = tileXY(b.east, b.south, z);
  const tiles: Tile[] = [];
  for (let y = clamp(y0); y <= clamp(y1); y++) for (let x = clamp(x0); x <= clamp(x1); x++) tiles.push({ z, x, y });
  return tiles;
}

/** The zoom whose 256-px tiles show at their own size on a map drawing `pxPerDegree` screen pixels per degree of longitude. */
export const zoomFor = (pxPerDegree: number, maxZoom: number): number => Math.max(0, Math.min(maxZoom, Math.round(Math.log2((pxPerDegree * 360) / TILE_PX))));

export const tileUrl = (template: string, { z, x, y }: Tile): string =>
  template.replaceAll('{z}', String(z)).replaceAll('{x}', String(x)).replaceAll('{y}', String(y));

/** A [lon, lat] of the tiles' datum on the map (GCJ-02). */
export const toMapDatum = (datum: Datum, [lon, lat]: [number, number]): [number, number] => (datum === 'GCJ-02' ? [lon, lat] : wgs84ToGcj02(lat, lon));
/** A [lon, lat] of the map (GCJ-02) in the tiles' datum. */
export const fromMapDatum = (datum: Datum, [lon, lat]: [number, number]): [number, number] => (datum === 'GCJ-02' ? [lon, lat] : gcj02ToWgs84(lon, lat));

/**
 * The move from the tiles' datum onto the map's at a point, [Δlon, Δlat]. One move for the whole view keeps
 * neighbouring tiles edge to edge (per-corner moves differ by a fraction of a pixel and open hairline seams);
 * the GCJ-02 offset changes by metres across a city, under a pixel at any zoom that shows it whole.
 */
export function datumShift(datum: Datum, at: [number, number]): [number, number] {
  const [lon, lat] = toMapDatum(datum, fromMapDatum(datum, at));
  const [lon0, lat0] = fromMapDatum(datum, at);
  return [lon - lon0, lat - lat0];
}

/** The tiles a map view needs: its box in map coordinates (GCJ-02) and its scale in screen pixels per degree of longitude. */
export function tilesForView(layer: TileLayer, view: Bbox, pxPerDegree: number): Tile[] {
  const [west, south] = fromMapDatum(layer.datum, [view.west, view.south]);
  const [east, north] = fromMapDatum(layer.datum, [view.east, view.north]);
  return tilesCovering({ west, south, east, north }, zoomFor(pxPerDegree, layer.maxZoom));
}
