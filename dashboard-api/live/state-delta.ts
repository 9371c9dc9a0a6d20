import type { StationState } from '../../domain/station-state.js';

/** Top-level fields (and per-appliance entries) that differ; null when nothing changed. */
export function stateDelta(before: StationState | undefined, after: StationState): Partial<StationState> | null {
  if (!before) return after;
  const changes: Record<string, unknown> = {};
  for (const key of Object.keys(after) as Array<keyof StationState>) {
    if (key === 'appliances') {
      const changed = Object.fromEntries(
        Object.entries(after.appliances).filter(([a, s]) => JSON.stringify(before.appliances[a as keyof StationState['appliances']]) !== JSON.stringify(s)),
      );
      if (Object.keys(changed).length) changes.appliances = changed;
    } else if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      changes[key] = after[key];
    }
  }
  return Object.keys(changes).length ? (changes as Partial<StationState>) : null;
}
