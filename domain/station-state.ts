import type { DistrictCode } from './districts.js';
import type { Appliance } from './equipment.js';
import type { Station } from './station.js';
import type { SpeakerCategory, Telemetry } from './telemetry.js';

// The last-value state of one station, folded from its telemetry. The ingest keeps one per
// station; the rules engine and the dashboard read it.

export interface ApplianceState {
  on: boolean;
  powerW: number;
  faultCode: string | null;
  tempC?: number;
  heating?: boolean;
  energyWh?: number;
  openDoors?: number;
  at: number;
}

export interface SpeakerState {
  online: boolean;
  wakeups: number;
  queries: Record<SpeakerCategory, number>;
  at: number;
}

export interface StationState {
  stationId: string;
  district: DistrictCode;
  /** null until the station has said anything. */
  online: boolean | null;
  offlineReason: 'lwt' | 'shutdown' | null;
  /** When the newest Last Will or shutdown arrived: samples taken before it are late and prove nothing. */
  offlineAt: number | null;
  /** Time of the newest sample of any kind: the heartbeat age is measured from here. */
  lastSeen: number | null;
  wifiRssiDbm: number | null;
  open: boolean | null;
  doorOpen: boolean | null;
  openChangedAt: number | null;
  people: number | null;
  peopleAt: number | null;
  appliances: Partial<Record<Appliance, ApplianceState>>;
  speaker: SpeakerState | null;
}

export function initialState(station: Station): StationState {
  return {
    stationId: station.id,
    district: station.district,
    online: null,
    offlineReason: null,
    offlineAt: null,
    lastSeen: null,
    wifiRssiDbm: null,
    open: null,
    doorOpen: null,
    openChangedAt: null,
    people: null,
    peopleAt: null,
    appliances: {},
    speaker: null,
  };
}

/**
 * Folds one message into the state. Samples older than what the state already holds for
 * that part (late or replayed messages, backfill) do not overwrite newer values.
 */
export function applyTelemetry(state: StationState, message: Telemetry): StationState {
  const t = message.ts;
  // Any sample but a Last Will or shutdown proves the station is connected, unless it was taken
  // before the newest Last Will or shutdown (delivered late: the link died after it).
  const alive = !(message.channel === 'status' && !message.data.online) && t >= (state.offlineAt ?? -Infinity);
  const seen: Partial<StationState> = alive && t >= (state.lastSeen ?? -Infinity) ? { lastSeen: t, online: true, offlineReason: null } : {};

  switch (message.channel) {
    case 'status': {
      const d = message.data;
      if (t < (state.lastSeen ?? -Infinity) || t < (state.offlineAt ?? -Infinity)) return state;
      return d.online
        ? { ...state, ...seen, wifiRssiDbm: d.wifiRssiDbm ?? null }
        : { ...state, online: false, offlineReason: d.reason === 'shutdown' ? 'shutdown' : 'lwt', offlineAt: t, wifiRssiDbm: null };
    }
    case 'service': {
      if (state.openChangedAt !== null && t < state.openChangedAt) return { ...state, ...seen };
      const open = message.data.open;
      return { ...state, ...seen, open, doorOpen: message.data.door === 'open', openChangedAt: open === state.open ? state.openChangedAt : t };
    }
    case 'occupancy':
      if (state.peopleAt !== null && t < state.peopleAt) return { ...state, ...seen };
      return { ...state, ...seen, people: message.data.people, peopleAt: t };
    case 'appliance': {
      const d = message.data;
      const prev = state.appliances[d.appliance];
      if (prev && t < prev.at) return { ...state, ...seen };
      const next: ApplianceState = { on: d.on, powerW: d.powerW, faultCode: d.faultCode, at: t };
      if (d.tempC !== undefined) next.tempC = d.tempC;
      if (d.heating !== undefined) next.heating = d.heating;
      if (d.energyWh !== undefined) next.energyWh = d.energyWh;
      if (d.openDoors !== undefined) next.openDoors = d.openDoors;
      return { ...state, ...seen, appliances: { ...state.appliances, [d.appliance]: next } };
    }
    case 'speaker': {
      const d = message.data;
      if (state.speaker && t < state.speaker.at) return { ...state, ...seen };
      return { ...state, ...seen, speaker: { online: d.online, wakeups: d.wakeups, queries: d.queries, at: t } };
    }
  }
}
