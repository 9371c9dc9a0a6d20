import test from 'ava';
import { at, config, daily, MIN, msg, run, S, station } from './timeline.js';

const from = at('2026-07-01T10:00:00');
const beats = { everyMs: 20 * S, make: msg.heartbeat };

test('fridge above 8 °C fires after 30 min; a value hovering at the threshold does not flap (hysteresis + keep-firing)', (t) => {
  // 9 °C from 10:00; from 11:00 it alternates 8.1 / 7.9 every minute; from 12:00 steady 5 °C.
  const temp = (x: number): number => (x < from + 60 * MIN ? 9 : x < from + 120 * MIN ? (Math.floor((x - from) / MIN) % 2 ? 8.1 : 7.9) : 5);
  const r = run({ from, to: from + 150 * MIN, periodic: [beats, { everyMs: MIN, make: (x) => msg.appliance(x, 'fridge', { tempC: temp(x) }) }] });
  const fired = r.firing('fridge_too_warm');
  t.is(fired.length, 1);
  t.is(fired[0]!.at, from + 30 * MIN);
  const resolved = r.resolved('fridge_too_warm');
  t.is(resolved.length, 1, 'one resolve, no flapping while it hovered');
  t.is(resolved[0]!.at, from + 125 * MIN);
});

test('short excursions above 8 °C never fire', (t) => {
  const temp = (x: number): number => (Math.floor((x - from) / (20 * MIN)) % 2 ? 9 : 6);
  const r = run({ from, to: from + 180 * MIN, periodic: [beats, { everyMs: MIN, make: (x) => msg.appliance(x, 'fridge', { tempC: temp(x) }) }] });
  t.deepEqual(r.firing('fridge_too_warm'), []);
});

test('a fault code fires at once, lists the appliance, and resolves when it clears', (t) => {
  const r = run({
    from,
    to: from + 20 * MIN,
    periodic: [beats],
    messages: [
      msg.appliance(from + MIN, 'water_dispenser', { faultCode: 'E1', heating: true }),
      msg.appliance(from + 10 * MIN, 'water_dispenser', { heating: true }),
    ],
  });
  const fired = r.firing('appliance_fault');
  t.is(fired.length, 1);
  t.regex(fired[0]!.alert.summaryZh, /饮水机 E1/);
  t.is(r.resolved('appliance_fault')[0]!.at, from + 12 * MIN);
});

test('water dispenser switched on but not heating for 45 min fires', (t) => {
  const r = run({
    from,
    to: from + 60 * MIN,
    stepMs: MIN,
    periodic: [beats, { everyMs: 5 * MIN, make: (x) => msg.appliance(x, 'water_dispenser', { heating: false }) }],
  });
  t.is(r.firing('water_not_heating')[0]?.at, from + 45 * MIN);
});

test('microwave or AC on without drawing power fires; the fan is not watched by default', (t) => {
  const r = run({
    from,
    to: from + 10 * MIN,
    periodic: [beats],
    messages: [msg.appliance(from, 'air_conditioner', { on: true, powerW: 0 }), msg.appliance(from, 'fan', { on: true, powerW: 0 })],
  });
  const fired = r.firing('appliance_no_power');
  t.is(fired.length, 1);
  t.is(fired[0]!.at, from + 2 * MIN);
  t.regex(fired[0]!.alert.summaryEn, /Air conditioner on/);
  t.regex(fired[0]!.alert.summaryZh, /空调 开启/);
  t.notRegex(fired[0]!.alert.summaryEn, /Fan\b/);
});

test('speaker offline fires after 5 min; a silent speaker counts as offline after its stale time', (t) => {
  const a = run({ from, to: from + 10 * MIN, periodic: [beats], messages: [msg.speaker(from, false)] });
  t.is(a.firing('speaker_offline')[0]?.at, from + 5 * MIN);
  const b = run({ from, to: from + 30 * MIN, stepMs: MIN, periodic: [beats], messages: [msg.speaker(from, true)] });
  // Stale once more than 15 min old (first evaluated at 16 min), then 5 min pending.
  t.is(b.firing('speaker_offline')[0]?.at, from + 21 * MIN);
});

test('door open while the station is closed fires after 5 min', (t) => {
  const st = station({ openingHours: daily([['08:00', '20:00']]) });
  const night = at('2026-07-01T22:00:00');
  const r = run({ station: st, from: night, to: night + 10 * MIN, periodic: [beats], messages: [msg.service(night, false, 'open')] });
  t.is(r.firing('door_open_while_closed')[0]?.at, night + 5 * MIN);
});

test('occupancy above capacity fires after 5 min, and not at capacity', (t) => {
  const cap = station().capacity;
  const over = run({ from, to: from + 10 * MIN, periodic: [beats], messages: [msg.people(from, cap + 1)] });
  t.is(over.firing('over_capacity').length, 1);
  const full = run({ from, to: from + 10 * MIN, periodic: [beats], messages: [msg.people(from, cap)] });
  t.deepEqual(full.firing('over_capacity'), []);
});

test('power outage: every fresh appliance reading at 0 W for a minute', (t) => {
  const zero = (x: number) => [msg.appliance(x, 'fridge', { powerW: 0, tempC: 4 }), msg.appliance(x, 'water_dispenser', { powerW: 0, heating: false })];
  const r = run({ from, to: from + 5 * MIN, periodic: [beats], messages: zero(from + MIN) });
  t.is(r.firing('power_outage')[0]?.at, from + 2 * MIN);
  t.is(r.firing('power_outage')[0]?.alert.severity, 'critical');
  const one = run({ from, to: from + 5 * MIN, periodic: [beats], messages: [msg.appliance(from, 'fridge', { powerW: 0 })] });
  t.deepEqual(one.firing('power_outage'), [], 'a single idle reading is not an outage');
});

test('a disabled rule never fires; severity is configurable', (t) => {
  const cfg = config({ rules: { appliance_fault: { enabled: false }, over_capacity: { severity: 'critical', forS: 0 } } });
  const r = run({
    config: cfg,
    from,
    to: from + 2 * MIN,
    periodic: [beats],
    messages: [msg.appliance(from, 'fridge', { faultCode: 'E9' }), msg.people(from, 99)],
  });
  t.deepEqual(r.firing('appliance_fault'), []);
  t.is(r.firing('over_capacity')[0]?.alert.severity, 'critical');
});

test('facility_incomplete fires for a silent telemetry item while the station is online', (t) => {
  const r = run({
    from,
    to: from + 30 * MIN,
    stepMs: MIN,
    periodic: [beats, { everyMs: 5 * MIN, make: (x) => msg.speaker(x, true) }],
  });
  const fired = r.firing('facility_incomplete');
  t.is(fired.length, 1);
  t.regex(fired[0]!.alert.summaryEn, /Not reporting: Water dispenser/);
  t.regex(fired[0]!.alert.summaryZh, /未上报：饮水机/);
  t.notRegex(fired[0]!.alert.summaryEn, /AI speaker|Table and chairs/);
});

test('facility_incomplete fires for a manual item attested present but broken, not again for an appliance fault', (t) => {
  const st = station();
  const inspected = (Object.keys(st.equipment) as Array<keyof typeof st.equipment>).filter((i) => st.equipment[i] === 'inspection');
  const attestations = inspected.map((item) => ({ stationId: st.id, item, present: true, working: item !== 'sink', by: '检查员', at: from - 86_400_000 }));
  const healthy = (x: number) => [
    msg.speaker(x, true),
    ...(['water_dispenser', 'microwave', 'air_conditioner', 'power_strip'] as const).map((a) => msg.appliance(x, a, { heating: true })),
    msg.appliance(x, 'fridge', { tempC: 4, faultCode: x >= from + 30 * MIN ? 'E5' : null }),
  ];
  const messages = Array.from({ length: 12 }, (_, i) => healthy(from + i * 5 * MIN)).flat();
  const r = run({ from, to: from + 60 * MIN, stepMs: MIN, periodic: [beats], messages, attestations });
  const fired = r.firing('facility_incomplete');
  t.is(fired.length, 1);
  t.is(fired[0]!.at, from + 10 * MIN);
  t.regex(fired[0]!.alert.summaryEn, /Faulted: Sink/);
  t.regex(fired[0]!.alert.summaryZh, /故障：洗手台/);
  t.notRegex(r.tracks.get('SN-0001:facility_incomplete')!.alert!.summaryEn, /Fridge/, 'the fridge fault is appliance_fault’s alert');
  t.is(r.firing('appliance_fault').length, 1);
  const whole = run({ from, to: from + 30 * MIN, stepMs: MIN, periodic: [beats], messages, attestations: attestations.map((a) => ({ ...a, working: true })) });
  t.deepEqual(whole.firing('facility_incomplete'), [], 'everything present and working');
});

test('open_compliance_low follows the rolling compliance figure', (t) => {
  const low = run({ from, to: from + MIN, periodic: [beats], rollingCompliance: 0.9 });
  t.regex(low.firing('open_compliance_low')[0]!.alert.summaryZh, /90\.0%/);
  const ok = run({ from, to: from + MIN, periodic: [beats], rollingCompliance: 0.97 });
  t.deepEqual(ok.firing('open_compliance_low'), []);
});
