import { indexRegistry, type Registry } from '../domain/registry.js';
import type { Station } from '../domain/station.js';
import { writeJsonFileAtomic } from '../lib/json-file.js';

// Fleets larger than the registry, for load tests: stations are cloned with new ids in their
// district (SN-0101, SN-0102, ...). Clones are real registry entries: the broker and ingest must
// load the same cloned registry, and each clone needs an account (see docs/simulator.md).

/** Ids have four digits per district. */
const MAX_ID_NUMBER = 9999;

/** Highest id number used per district. */
function lastIds(registry: Registry): Map<string, number> {
  const last = new Map<string, number>();
  for (const s of registry.stations) last.set(s.district, Math.max(last.get(s.district) ?? 0, Number(s.id.slice(-4))));
  return last;
}

/** The largest fleet fleetOf can make: the registry plus a clone for every free id in its districts. */
export function maxFleetSize(registry: Registry): number {
  return registry.stations.length + [...lastIds(registry).values()].reduce((sum, last) => sum + (MAX_ID_NUMBER - last), 0);
}

export function fleetOf(registry: Registry, count: number): Station[] {
  const base = registry.stations;
  if (count <= base.length) return base.slice(0, count);
  const max = maxFleetSize(registry);
  if (count > max)
    throw new RangeError(`at most ${max} stations: the registry's districts have ${max - base.length} free ids (${MAX_ID_NUMBER} per district) for clones`);
  const next = lastIds(registry);
  const clones: Station[] = [];
  // Round-robin over the originals; a district whose ids are used up is skipped.
  for (let i = 0; clones.length < count - base.length; i++) {
    const original = base[i % base.length]!;
    const n = next.get(original.district)! + 1;
    if (n > MAX_ID_NUMBER) continue;
    next.set(original.district, n);
    const id = `${original.district}-${String(n).padStart(4, '0')}`;
    clones.push({ ...original, id, name: `${original.name.slice(0, 60)}（仿真${id}）` });
  }
  return [...base, ...clones];
}

/** Writes a registry file holding `count` stations (the originals first, then clones). */
export function writeClonedRegistry(registry: Registry, count: number, path: string): Registry {
  const stations = fleetOf(registry, count);
  writeJsonFileAtomic(path, { version: 1, stations });
  return indexRegistry(stations);
}
