import { createRng } from '../../domain/random.js';
import { isScheduledOpen } from '../../domain/schedule.js';
import { telemetryItems, type Station } from '../../domain/station.js';
import { APPLIANCES, type Appliance } from '../../domain/equipment.js';
import { SPEAKER_CATEGORIES, type Telemetry } from '../../domain/telemetry.js';

// Deterministic telemetry for the board tests: every channel of every given station, one sample per
// step, shaped like the real fleet (schedules honoured, a few stations dropping offline, some faults),
// so that every panel's query has rows to return.

const isAppliance = (item: string): item is Appliance => (APPLIANCES as readonly string[]).includes(item);

export function* fixtureTelemetry(stations: readonly Station[], from: number, to: number, stepMs: number, seed = 6): Generator<Telemetry> {
  for (const station of stations) {
    const rng = createRng(`${seed}:${station.id}`);
    const appliances = telemetryItems(station).filter(isAppliance);
    const hasSpeaker = station.equipment.ai_speaker === 'telemetry';
    // One station in seven drops offline for the last hour: the online share must show it.
    const offlineFrom = rng.chance(1 / 7) ? to - 3600_000 : Infinity;
    const stationId = station.id;
    for (let ts = from; ts <= to; ts += stepMs) {
      const online = ts < offlineFrom;
      yield { channel: 'status', stationId, ts, data: { station: stationId, ts, online, reason: online ? 'heartbeat' : 'lwt', uptimeS: Math.round((ts - from) / 1000), wifiRssiDbm: rng.int(-80, -40) } };
      if (!online) continue;
      const open = isScheduledOpen(station.openingHours, ts) && rng.chance(0.95);
      yield { channel: 'service', stationId, ts, data: { station: stationId, ts, open, door: open && rng.chance(0.5) ? 'open' : 'closed' } };
      const people = open ? rng.int(0, Math.min(station.capacity, 8)) : 0;
      yield { channel: 'occupancy', stationId, ts, data: { station: stationId, ts, people, entries: open ? rng.int(0, 6) : 0 } };
      for (const appliance of appliances) {
        const on = appliance === 'fridge' || appliance === 'lockers' || rng.chance(0.4);
        yield {
          channel: 'appliance',
          stationId,
          ts,
          data: {
            station: stationId,
            ts,
            appliance,
            on,
            powerW: on ? Math.round(rng.float(20, appliance === 'microwave' ? 1100 : 300)) : 0,
            faultCode: rng.chance(0.03) ? 'E01' : null,
            ...(appliance === 'fridge' ? { tempC: Math.round(rng.normal(4, 1.2) * 10) / 10 } : {}),
            ...(appliance === 'water_dispenser' ? { heating: on && rng.chance(0.5) } : {}),
            ...(appliance === 'power_strip' ? { energyWh: Math.round((ts - from) / 36_000) } : {}),
            ...(appliance === 'lockers' ? { openDoors: rng.int(0, 3) } : {}),
          },
        };
      }
      if (hasSpeaker) {
        const queries = Object.fromEntries(SPEAKER_CATEGORIES.map((c) => [c, open ? rng.int(0, 4) : 0])) as Record<(typeof SPEAKER_CATEGORIES)[number], number>;
        yield { channel: 'speaker', stationId, ts, data: { station: stationId, ts, online: true, wakeups: open ? rng.int(0, 10) : 0, queries } };
      }
    }
  }
}
