import type { Attestation } from '../domain/alerts.js';
import type { EquipmentItem } from '../domain/equipment.js';
import { createRng } from '../domain/random.js';
import { DAY_MS, localMidnight } from '../domain/schedule.js';
import type { Station } from '../domain/station.js';

// Inspection records for a demo fleet, so facility completeness means something on the first
// screen: most stations were inspected within the last quarter, a few not for longer (their manual
// items count as unattested), and now and then an item was found missing or broken.

/** Share of stations inspected within the last 85 days; the rest 100-150 days ago. */
const RECENT = 0.9;
const ITEM_MISSING = 0.02;
const ITEM_BROKEN = 0.03;
export const DEMO_INSPECTOR = 'demo-inspector';

export function demoInspections(o: { stations: readonly Station[]; seed: number; now: number }): Attestation[] {
  const records: Attestation[] = [];
  for (const station of o.stations) {
    const rng = createRng(`inspections:${o.seed}:${station.id}`);
    const daysAgo = rng.chance(RECENT) ? rng.int(1, 85) : rng.int(100, 150);
    // A working-hours visit, 09:00-17:00 local.
    const at = localMidnight(o.now) - daysAgo * DAY_MS + rng.int(9 * 60, 17 * 60) * 60_000;
    const manual = (Object.entries(station.equipment) as Array<[EquipmentItem, string]>).filter(([, how]) => how === 'inspection').map(([item]) => item);
    for (const item of manual) {
      const missing = rng.chance(ITEM_MISSING);
      const broken = !missing && rng.chance(ITEM_BROKEN);
      records.push({
        stationId: station.id,
        item,
        present: !missing,
        working: !missing && !broken,
        by: DEMO_INSPECTOR,
        at,
        ...(missing ? { note: '现场未见 / not found on site' } : broken ? { note: '损坏，待维修 / broken, repair requested' } : {}),
      });
    }
  }
  return records;
}
