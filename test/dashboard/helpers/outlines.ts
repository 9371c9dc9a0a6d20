import { readFileSync } from 'node:fs';
import { projectPath } from '../../../lib/paths.js';
import type { Bbox } from '../../../dashboard-api/web/src/map-tiles.js';

/** The district outlines' box (GCJ-02): what the map shows before anyone zooms. */
export function outlineBox(): Bbox {
  const geo = JSON.parse(readFileSync(projectPath('data/qingdao-districts.geo.json'), 'utf8')) as { features: Array<{ geometry: { coordinates: unknown } }> };
  const flat = (JSON.stringify(geo.features.map((f) => f.geometry.coordinates)).match(/-?\d+\.?\d*/g) ?? []).map(Number);
  const lons = flat.filter((_, i) => i % 2 === 0);
  const lats = flat.filter((_, i) => i % 2 === 1);
  return { west: Math.min(...lons), east: Math.max(...lons), south: Math.min(...lats), north: Math.max(...lats) };
}
