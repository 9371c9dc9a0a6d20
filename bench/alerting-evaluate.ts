// Cost of judging the whole fleet: one timer tick (every rule of all 600 stations) and one
// telemetry-triggered judgement, over synthetic live states. Prints one JSON object.
// Run: npx tsx bench/alerting-evaluate.ts
import { applyTelemetry, initialState } from '../domain/station-state.js';
import type { Telemetry } from '../domain/telemetry.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { RULES } from '../rules/catalog.js';
import { evaluateStation } from '../rules/engine.js';
import { facilityStatus } from '../rules/facility.js';
import type { Track } from '../rules/lifecycle.js';
import { parseRulesConfig, resolveRules } from '../rules/rule-config.js';

const registry = loadRegistryFile();
const config = parseRulesConfig({ version: 1 });
const now = Date.parse('2026-05-06T10:00:00+08:00');
const states = registry.stations.map((s, i) => {
  let st = initialState(s);
  const msgs: Telemetry[] = [
    { channel: 'status', stationId: s.id, ts: now - 10_000, data: { station: s.id, ts: now - 10_000, online: true, reason: 'heartbeat', wifiRssiDbm: -60 } },
    { channel: 'service', stationId: s.id, ts: now - 3_600_000, data: { station: s.id, ts: now - 3_600_000, open: i % 10 !== 0, door: 'closed' } },
    { channel: 'appliance', stationId: s.id, ts: now - 30_000, data: { station: s.id, ts: now - 30_000, appliance: 'fridge', on: true, powerW: 90, faultCode: i % 25 === 0 ? 'E1' : null, tempC: 4 } },
  ];
  for (const m of msgs) st = applyTelemetry(st, m);
  return st;
});
const resolved = registry.stations.map((s) => resolveRules(config, s));
const tracks = new Map<string, Track>();

function tick(t: number): number {
  let transitions = 0;
  registry.stations.forEach((station, i) => {
    // Heartbeats keep arriving: the stations stay online.
    states[i] = { ...states[i]!, lastSeen: t - 5000 };
    const facility = facilityStatus(station, states[i]!, new Map(), { now: t, attestationMaxAgeMs: 90 * 86_400_000, telemetryStaleMs: 900_000 });
    const r = evaluateStation({
      ctx: { station, state: states[i]!, now: t, watchingSince: now - 3_600_000, facility, rollingCompliance: 0.97, complianceThreshold: 0.95 },
      rules: resolved[i]!,
      tracks,
      silences: [],
      escalateAfterMs: 1_800_000,
    });
    for (const c of r.changed) tracks.set(c.key, c);
    transitions += r.transitions.length;
  });
  return transitions;
}

tick(now);
const rounds = 50;
const start = performance.now();
for (let k = 1; k <= rounds; k++) tick(now + k * 5000);
const perTickMs = (performance.now() - start) / rounds;
console.log(
  JSON.stringify({
    stations: registry.stations.length,
    rules: RULES.length,
    openAlerts: [...tracks.values()].filter((t) => t.alert).length,
    fleetTickMs: Math.round(perTickMs * 100) / 100,
    perStationJudgementUs: Math.round((perTickMs / registry.stations.length) * 1000 * 10) / 10,
  }),
);
