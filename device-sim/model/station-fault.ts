import type { Appliance } from '../../domain/equipment.js';

// A fault resolved to one station and a time window (simulated time, epoch ms). The plan file
// format (device-sim/faults.ts) resolves to these; the behaviour model applies them.

export const REMOVABLE_ITEMS = ['ai_speaker', 'water_dispenser', 'microwave', 'fridge', 'fan', 'air_conditioner', 'power_strip', 'lockers'] as const;
export type RemovableItem = (typeof REMOVABLE_ITEMS)[number];

interface Window {
  from: number;
  until: number;
}

export type StationFault = Window &
  (
    | { kind: 'appliance_fault'; appliance: Appliance; code: string }
    | { kind: 'fridge_warming' }
    | { kind: 'speaker_offline' }
    | { kind: 'closed_during_hours' }
    | { kind: 'station_offline' }
    | { kind: 'power_outage' }
    | { kind: 'wifi_drop' }
    | { kind: 'device_removed'; item: RemovableItem }
  );

export const activeAt = <F extends Window>(faults: readonly F[], t: number): F[] => faults.filter((f) => t >= f.from && t < f.until);
