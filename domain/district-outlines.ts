import gcoordModule from 'gcoord';
import type { DistrictCode } from './districts.js';

// District outlines (data/qingdao-districts.geo.json: GCJ-02, as drawn by Chinese map providers)
// and the test of a WGS-84 point against them. The plan's two zones have no outline of their
// own: 高新区 lies in 城阳区, 保税区 in 黄岛区 (青西新区). Pure: the caller reads the file.

/** Rings of polygons, [lon, lat] in GCJ-02. */
export type Outline = ReadonlyArray<ReadonlyArray<ReadonlyArray<readonly [number, number]>>>;
export type DistrictOutlines = ReadonlyMap<DistrictCode, Outline>;

export const ZONE_PARENT: Partial<Record<DistrictCode, DistrictCode>> = { GX: 'CY', BS: 'XHA' };

interface GeoJson {
  features: Array<{ properties: { code: string }; geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown } }>;
}

/** The outlines of a FeatureCollection whose features carry the plan's `code`. */
export function parseOutlines(geo: GeoJson): DistrictOutlines {
  return new Map(
    geo.features.map((f) => [
      f.properties.code as DistrictCode,
      (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) as Outline,
    ]),
  );
}

// gcoord is CommonJS: Node hands its exports over as the default import's `default`, a bundler as the default
// import itself, and its types follow the module resolution; so the part in use is typed here, for both.
interface Gcoord {
  transform(p: [number, number], from: string, to: string): [number, number];
  WGS84: string;
  GCJ02: string;
}
const gcoord = (gcoordModule as unknown as { default?: Gcoord }).default ?? (gcoordModule as unknown as Gcoord);

/** WGS-84 → GCJ-02, [lon, lat]. */
export const wgs84ToGcj02 = (lat: number, lon: number): [number, number] => gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02);
/** GCJ-02 → WGS-84, [lon, lat]. */
export const gcj02ToWgs84 = (lon: number, lat: number): [number, number] => gcoord.transform([lon, lat], gcoord.GCJ02, gcoord.WGS84);

function inRing(ring: ReadonlyArray<readonly [number, number]>, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether a WGS-84 point lies in the district's outline (a zone: its parent district's); true where there is no outline. */
export function insideOutline(outlines: DistrictOutlines, code: DistrictCode, lat: number, lon: number): boolean {
  const outline = outlines.get(ZONE_PARENT[code] ?? code);
  if (!outline) return true;
  const [x, y] = wgs84ToGcj02(lat, lon);
  return outline.some((poly) => inRing(poly[0]!, x, y) && !poly.slice(1).some((hole) => inRing(hole, x, y)));
}
