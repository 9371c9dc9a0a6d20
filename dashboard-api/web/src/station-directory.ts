import type { StationRow } from '../../station-list.js';
import { api } from './api.js';

// The registry facts an alert card needs (address, contact, location) for every visible station,
// loaded once per session: they change only with a new registry.

let loading: Promise<Map<string, StationRow>> | null = null;

export function stationDirectory(): Promise<Map<string, StationRow>> {
  loading ??= api.get<{ stations: StationRow[] }>('/api/stations?limit=1000').then(
    (r) => new Map(r.stations.map((s) => [s.id, s])),
    (e: unknown) => {
      loading = null;
      throw e;
    },
  );
  return loading;
}
