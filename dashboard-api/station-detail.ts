import type { Alert, Attestation, ComplianceSnapshot, Silence } from '../domain/alerts.js';
import type { Station } from '../domain/station.js';
import type { StationState } from '../domain/station-state.js';
import type { LiveState } from './live-state.js';

/** GET /api/stations/:id — one station as its detail page shows it (the web app imports this type). */
export interface StationDetail {
  station: Station;
  live: StationState | null;
  liveState: LiveState;
  openNow: boolean;
  compliance: ComplianceSnapshot | null;
  alerts: Alert[];
  silences: Silence[];
  attestations: Attestation[];
}
