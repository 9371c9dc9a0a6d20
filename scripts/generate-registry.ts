// Writes the default station registry (data/stations.json), deterministically from a seed.
// Usage: tsx scripts/generate-registry.ts [--seed 2019] [--out data/stations.json]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateRegistry } from '../domain/registry-generator.js';
import { parseRegistry } from '../domain/registry.js';
import { loadDistrictOutlines } from '../lib/district-outlines-file.js';

/** JSON with short objects and arrays kept on one line, so a station reads as one screen. */
function readableJson(value: unknown, indent = ''): string {
  const flat = JSON.stringify(value);
  if (flat.length <= 110 || value === null || typeof value !== 'object') return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + readableJson(v, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${readableJson(v, inner)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}

const { values } = parseArgs({ options: { seed: { type: 'string', default: '2019' }, out: { type: 'string', default: 'data/stations.json' } } });
const file = { version: 1 as const, stations: generateRegistry(loadDistrictOutlines(), Number(values.seed)) };
parseRegistry(file); // never write a registry the platform would refuse
writeFileSync(values.out, `${readableJson(file)}\n`);
console.log(`wrote ${file.stations.length} stations to ${values.out}`);
