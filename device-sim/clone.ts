import { writeFileSync } from 'node:fs';
import { indexRegistry, type Registry } from '../domain/registry.js';
import type { Station } from '../domain/station.js';

// Fleets larger than the registry, for load tests: stations are cloned with new ids in their
// district (SN-0101, SN-0102, ...). Clones are real registry entries: the broker and ingest must
// load the same cloned registry, and each clone needs an account (see docs/simulator.md).

export function fleetOf(registry: Registry, count: number): Station[] {
  const base = registry.stations;
  if (count <= base.length) return base.slice(0, count);
  const next = new Map<string, number>();
  for (const s of base) next.set(s.district, Math.max(next.get(s.district) ?? 0, Number(s.id.slice(-4))));
  const clones: Station[] = [];
  for (let i = 0; clones.length < count - base.length; i++) {
    const original = base[i % base.length]!;
    const n = (next.get(original.district) ?? 0) + 1;
    if (n > 9999) throw new Error(`cannot clone more than 9999 stations in district ${original.district}`);
    next.set(original.district, n);
    const id = `${original.district}-${String(n).padStart(4, '0')}`;
    clones.push({ ...original, id, name: `${original.name.slice(0, 60)}（仿真${id}）` });
  }
  return [...base, ...clones];
}

/** Writes a registry file holding `count` stations (the originals first, then clones). */
export function writeClonedRegistry(registry: Registry, count: number, path: string): Registry {
  const stations = fleetOf(registry, count);
  writeFileSync(path, `${JSON.stringify({ version: 1, stations }, null, 1)}\n`);
  return indexRegistry(stations);
}
