import test from 'ava';
import { readFileSync } from 'node:fs';
import { isScheduledOpen } from '../../domain/schedule.js';
import { decodeTelemetry, type Telemetry } from '../../domain/telemetry.js';
import { backfillMessages } from '../../device-sim/backfill.js';
import { demoFaultPlan } from '../../device-sim/demo-faults.js';
import { resolveFaults } from '../../device-sim/faults.js';
import { liveTiming } from '../../device-sim/fleet.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { projectPath } from '../../lib/paths.js';
import { parseRulesConfig } from '../../rules/rule-config.js';
import { at, MIN, run } from '../rules/timeline.js';

const registry = loadRegistryFile();
const stations = registry.stations;
const shipped = parseRulesConfig(JSON.parse(readFileSync(projectPath('config/rules.json'), 'utf8')));
const SEED = 7;

/** Every alert the shipped rules raise and resolve in [from, to) for the stations the plan hits, by rule. */
function alertsOf(from: number, to: number, perHour = 4): { fired: Set<string>; resolved: Set<string> } {
  const plan = demoFaultPlan({ stations, seed: SEED, start: from, hours: 24, perHour });
  const faults = resolveFaults(plan, stations, from, SEED);
  const fired = new Set<string>();
  const resolved = new Set<string>();
  for (const id of faults.byStation.keys()) {
    const station = registry.get(id)!;
    // The live fleet's messages at speed 1, faults applied by the same model, decoded as the ingest does.
    const decoded = [...backfillMessages({ station, seed: SEED, from: from - 30 * MIN, to, timing: liveTiming(1), faults })].map((m) => {
      const d = decodeTelemetry(m.topic, Buffer.from(JSON.stringify(m.payload)), registry, m.ts);
      if (!d.ok) throw new Error(`${d.reason}: ${d.detail}`);
      return d.message;
    });
    // What a station sends while its link is down it keeps and sends on reconnect (store and forward).
    const down = (faults.byStation.get(id) ?? []).filter((f) => f.kind === 'wifi_drop');
    const heldUntil = (m: Telemetry): number | undefined =>
      m.channel === 'status' && m.data.reason === 'lwt' ? undefined : down.find((f) => m.ts >= f.from && m.ts < f.until)?.until;
    const r = run({
      station,
      config: shipped,
      from,
      to,
      messages: decoded.filter((m) => heldUntil(m) === undefined),
      late: decoded.flatMap((m) => {
        const at = heldUntil(m);
        return at === undefined ? [] : [{ at, message: m }];
      }),
    });
    for (const t of r.transitions) {
      if (t.to === 'firing' && !t.escalated) fired.add(t.alert.ruleId);
      if (t.to === 'resolved') resolved.add(t.alert.ruleId);
    }
  }
  return { fired, resolved };
}

for (const local of ['2026-12-02T10:00:00', '2026-12-31T23:30:00']) {
  test(`a demo fleet started at ${local} (Shanghai) raises and resolves alerts of at least four kinds in its first hour`, (t) => {
    const start = at(local);
    const { fired, resolved } = alertsOf(start, start + 60 * MIN);
    const both = [...fired].filter((r) => resolved.has(r));
    t.true(both.length >= 4, `fired ${[...fired].join(', ')}; resolved ${[...resolved].join(', ')}`);
  });
}

test('the plan is the same for a seed, names stations that can show each fault, and keeps its rate', (t) => {
  const start = at('2026-12-02T10:00:00');
  const plan = demoFaultPlan({ stations, seed: SEED, start, hours: 48, perHour: 4 });
  t.deepEqual(demoFaultPlan({ stations, seed: SEED, start, hours: 48, perHour: 4 }), plan);
  t.notDeepEqual(demoFaultPlan({ stations, seed: SEED + 1, start, hours: 48, perHour: 4 }), plan);
  t.deepEqual(demoFaultPlan({ stations, seed: SEED, start, hours: 48, perHour: 0 }), []);
  // Five in the first hour, then about 4 an hour (Poisson: 188 expected over 47 h, 3σ ≈ 41).
  t.true(plan.length >= 5 + 147 && plan.length <= 5 + 229, `${plan.length} faults`);
  for (const f of plan) {
    if (f.kind === 'reconnect_storm' || !Array.isArray(f.stations) || !('absolute' in f.at)) throw new Error(`unexpected spec ${JSON.stringify(f)}`);
    const s = registry.get(f.stations[0]!)!;
    const from = f.at.absolute;
    t.true(f.for !== undefined && f.for >= 3 * MIN && f.for <= 180 * MIN, `${f.kind} lasts ${f.for}`);
    if (f.kind === 'closed_during_hours')
      t.true(isScheduledOpen(s.openingHours, from) && isScheduledOpen(s.openingHours, from + f.for! - 1), `${s.id} open throughout`);
    if (f.kind === 'fridge_warming') t.is(s.equipment.fridge, 'telemetry');
    if (f.kind === 'speaker_offline') t.is(s.equipment.ai_speaker, 'telemetry');
  }
  // Every fault resolves: the resolver accepts the plan as it is.
  t.notThrows(() => resolveFaults(plan, stations, start, SEED));
});
