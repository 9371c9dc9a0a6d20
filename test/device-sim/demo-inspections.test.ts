import test from 'ava';
import { DAY_MS } from '../../domain/schedule.js';
import { initialState } from '../../domain/station-state.js';
import { demoInspections } from '../../device-sim/demo-inspections.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { facilityStatus, latestAttestations } from '../../rules/facility.js';
import { at } from '../rules/timeline.js';

const registry = loadRegistryFile();
const now = at('2026-12-31T23:59:00');

test('demo inspections: most stations within the quarter, some items missing or broken, facility figures spread', (t) => {
  const records = demoInspections({ stations: registry.stations, seed: 1, now });
  t.deepEqual(demoInspections({ stations: registry.stations, seed: 1, now }), records);
  const lastVisit = new Map<string, number>();
  for (const r of records) lastVisit.set(r.stationId, Math.max(lastVisit.get(r.stationId) ?? 0, r.at));
  const recent = [...lastVisit.values()].filter((v) => now - v <= 90 * DAY_MS).length;
  t.true(recent / lastVisit.size > 0.8 && recent < lastVisit.size, `${recent} of ${lastVisit.size} within 90 days`);
  t.true(records.every((r) => r.at < now));
  t.true(records.some((r) => !r.present) && records.some((r) => r.present && !r.working));
  // Every manual item of every station is covered: nothing an inspector sees is left out.
  const manual = registry.stations.reduce((n, s) => n + Object.values(s.equipment).filter((how) => how === 'inspection').length, 0);
  t.is(records.length, manual);
  // The manual part of facility completeness differs between stations.
  const percents = new Set(
    registry.stations.map(
      (s) =>
        facilityStatus(s, initialState(s), latestAttestations(records.filter((r) => r.stationId === s.id)), {
          now,
          attestationMaxAgeMs: 90 * DAY_MS,
          telemetryStaleMs: 900_000,
        }).percent,
    ),
  );
  t.true(percents.size >= 3, `facility percentages: ${[...percents].join(', ')}`);
});
