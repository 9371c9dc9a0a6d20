import test from 'ava';
import { applyTelemetry, initialState } from '../../domain/station-state.js';
import { evaluateStation } from '../../rules/engine.js';
import { facilityStatus } from '../../rules/facility.js';
import { resolveRules } from '../../rules/rule-config.js';
import { at, config, H, MIN, msg, run, S, station } from './timeline.js';

const from = at('2026-05-06T10:00:00');
const heartbeats = (until: number) => ({ everyMs: 20 * S, make: msg.heartbeat, when: (t: number) => t < until });

test('missed heartbeats raise station_offline within 90 s (1.5 intervals of 60 s), not minutes late', (t) => {
  const silentAt = from + 10 * MIN;
  const r = run({ from, to: from + 20 * MIN, periodic: [heartbeats(silentAt)] });
  const fired = r.firing('station_offline');
  t.is(fired.length, 1);
  const delay = fired[0]!.at - (silentAt - 20 * S);
  t.true(delay > 90 * S && delay <= 95 * S, `detected ${delay / 1000} s after the last heartbeat`);
  t.regex(fired[0]!.alert.summaryZh, /心跳已中断/);
  t.is(fired[0]!.alert.severity, 'critical');
});

test('a Last Will fires at the next evaluation and a heartbeat resolves after keep-firing', (t) => {
  const lwtAt = from + 5 * MIN + 2 * S;
  const backAt = from + 10 * MIN;
  const r = run({
    from,
    to: from + 15 * MIN,
    messages: [msg.lwt(lwtAt)],
    periodic: [{ everyMs: 20 * S, make: msg.heartbeat, when: (x) => x < lwtAt || x >= backAt }],
  });
  const fired = r.firing('station_offline');
  t.is(fired.length, 1);
  t.true(fired[0]!.at - lwtAt <= 5 * S);
  t.regex(fired[0]!.alert.summaryEn, /Last Will/);
  const resolved = r.resolved('station_offline');
  t.is(resolved.length, 1);
  t.true(resolved[0]!.at >= backAt + 30 * S && resolved[0]!.at <= backAt + 35 * S);
  t.is(resolved[0]!.by, 'system');
});

test('a station never heard since monitoring started counts as offline after the threshold', (t) => {
  const r = run({ from, to: from + 5 * MIN });
  const fired = r.firing('station_offline');
  t.is(fired.length, 1);
  t.true(fired[0]!.at > from + 90 * S && fired[0]!.at <= from + 95 * S);
});

test('the detection threshold is configurable per district', (t) => {
  const cfg = config({ overrides: [{ district: 'SN', rule: 'station_offline', set: { params: { heartbeatIntervalS: 10, missedHeartbeats: 2 } } }] });
  const silentAt = from + 2 * MIN;
  const r = run({ config: cfg, from, to: from + 10 * MIN, periodic: [{ everyMs: 10 * S, make: msg.heartbeat, when: (x) => x < silentAt }] });
  const fired = r.firing('station_offline');
  t.is(fired.length, 1);
  t.true(fired[0]!.at - (silentAt - 10 * S) <= 25 * S);
});

test('an offline station mutes (inhibits) its own appliance and speaker alerts but they stay listed', (t) => {
  const lwtAt = from + 30 * MIN;
  const muted: Array<string | undefined> = [];
  const r = run({
    from,
    to: from + H,
    messages: [msg.lwt(lwtAt)],
    // A fault read just before the link died, delivered ten minutes after the Last Will.
    late: [{ at: lwtAt + 10 * MIN, message: msg.appliance(lwtAt - 10 * S, 'microwave', { faultCode: 'E3' }) }],
    periodic: [{ everyMs: 20 * S, make: msg.heartbeat, when: (x) => x < lwtAt }],
    afterStep: (_now, tracks) => {
      const fault = tracks.get('SN-0001:appliance_fault')?.alert;
      if (fault) muted.push(fault.suppressedBy);
    },
  });
  t.is(r.state.online, false, 'the late message does not bring the station back');
  t.is(r.firing('station_offline').length, 1);
  t.deepEqual(r.resolved('station_offline'), []);
  t.true(muted.length > 0, 'the fault alert exists');
  t.true(
    muted.every((s) => s === 'inhibition'),
    'muted at every evaluation',
  );
  t.is(r.tracks.get('SN-0001:appliance_fault')!.alert!.state, 'firing');
  t.is(r.tracks.get('SN-0001:station_offline')!.alert!.suppressedBy, undefined);
});

test('inhibition does not depend on where station_offline stands in the rule list', (t) => {
  const st = station();
  const rules = resolveRules(config(), st).reverse();
  let state = initialState(st);
  for (const m of [msg.heartbeat(from), msg.appliance(from + S, 'microwave', { faultCode: 'E3' }), msg.lwt(from + 2 * S)]) state = applyTelemetry(state, m);
  const now = from + 3 * S;
  const facility = facilityStatus(st, state, new Map(), { now, attestationMaxAgeMs: 90 * 24 * H, telemetryStaleMs: 900 * S });
  const r = evaluateStation({
    ctx: { station: st, state, now, watchingSince: from, facility, rollingCompliance: null, complianceThreshold: 0.95 },
    rules,
    tracks: new Map(),
    silences: [],
    escalateAfterMs: 1800 * S,
  });
  const fired = new Map(r.transitions.map((x) => [x.alert.ruleId, x.alert]));
  t.is(fired.get('station_offline')?.suppressedBy, undefined);
  t.is(fired.get('appliance_fault')?.suppressedBy, 'inhibition');
});
