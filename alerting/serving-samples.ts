import { DAY_MS } from '../domain/schedule.js';
import type { Registry } from '../domain/registry.js';
import type { Station } from '../domain/station.js';
import type { AlertStore, ServingSamples } from './store.js';

// Reads the raw serving samples (open/closed, online) of every station over a time range, for
// rollups and for today's open time after a restart.

const CONCURRENCY = 4;
/** Ranges up to this long are read a district at a time. */
const BATCH_RANGE_MS = 2 * DAY_MS;

export type SampleReader = (from: number, to: number, use: (station: Station, samples: ServingSamples) => void) => Promise<void>;

/**
 * Per district (three reads each) for short ranges, per station for long ones (a year of a
 * district would be one huge answer); `use` folds each station's rows as they arrive, so a year
 * of raw rows is never held for the whole fleet. `staleMs` is each station's heartbeat staleness.
 */
export function sampleReader(registry: Registry, store: AlertStore, staleMs: ReadonlyMap<string, number>): SampleReader {
  const empty: ServingSamples = { open: [], online: [] };
  return async (from, to, use) => {
    if (to - from <= BATCH_RANGE_MS) {
      const districts = [...new Set(registry.stations.map((s) => s.district))];
      await forEachLimited(districts, CONCURRENCY, async (d) => {
        const stations = registry.inDistrict(d);
        // Staleness is per station; read the widest margin, the fold cuts each to its own.
        const margin = Math.max(...stations.map((s) => staleMs.get(s.id)!));
        const got = await store.loadDistrictServingSamples(d, from, to, margin);
        for (const s of stations) use(s, got.get(s.id) ?? empty);
      });
    } else {
      await forEachLimited(registry.stations, CONCURRENCY, async (s) => {
        use(s, await store.loadServingSamples(s.id, from, to, staleMs.get(s.id)!));
      });
    }
  };
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
