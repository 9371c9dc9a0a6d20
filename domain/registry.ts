import { z } from 'zod';
import type { DistrictCode } from './districts.js';
import { StationSchema, type Station } from './station.js';

export const RegistryFileSchema = z.object({
  version: z.literal(1),
  stations: z.array(z.unknown()).min(1),
});

/** The validated, indexed station registry every service shares. */
export interface Registry {
  readonly stations: readonly Station[];
  get(id: string): Station | undefined;
  inDistrict(code: DistrictCode): readonly Station[];
}

export class RegistryError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid station registry (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);
    this.name = 'RegistryError';
  }
}

const fieldPath = (path: readonly PropertyKey[]): string => path.map(String).join('.') || '(row)';

/**
 * Validates a parsed registry file. Every bad row and field is named, so a user replacing
 * the default registry with their own sees all problems at once, not one per attempt.
 */
export function parseRegistry(data: unknown): Registry {
  const file = RegistryFileSchema.safeParse(data);
  if (!file.success) throw new RegistryError(file.error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`));

  const problems: string[] = [];
  const stations: Station[] = [];
  const seen = new Set<string>();
  file.data.stations.forEach((row, index) => {
    const parsed = StationSchema.safeParse(row);
    const id = typeof row === 'object' && row && 'id' in row ? String((row as { id: unknown }).id) : '?';
    const where = `row ${index + 1} (id ${id})`;
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${where} field ${fieldPath(issue.path)}: ${issue.message}`);
    } else {
      stations.push(parsed.data);
    }
    // Duplicates are checked on every row, valid or not, so one pass names them all.
    if (seen.has(id)) problems.push(`${where} field id: duplicate station id`);
    seen.add(id);
  });
  if (problems.length > 0) throw new RegistryError(problems);
  return indexRegistry(stations);
}

export function indexRegistry(stations: readonly Station[]): Registry {
  const byId = new Map(stations.map((s) => [s.id, s]));
  const byDistrict = new Map<DistrictCode, Station[]>();
  for (const s of stations) {
    const list = byDistrict.get(s.district) ?? [];
    list.push(s);
    byDistrict.set(s.district, list);
  }
  return {
    stations,
    get: (id) => byId.get(id),
    inDistrict: (code) => byDistrict.get(code) ?? [],
  };
}
