import test from 'ava';
import { AlertingError, type AlertTransition } from '../../domain/alerts.js';
import { acknowledge, emptyTrack, observe, resolveByHand, trackFromTransition, type Observation, type Track } from '../../rules/lifecycle.js';
import { at, MIN, msg, run, S } from './timeline.js';

const obs = (active: boolean, patch: Partial<Observation> = {}): Observation => ({
  summary: active ? { zh: '故障', en: 'fault' } : null,
  ruleId: 'appliance_fault',
  stationId: 'SN-0001',
  district: 'SN',
  severity: 'major',
  forMs: 60_000,
  keepFiringMs: 30_000,
  escalateAfterMs: 600_000,
  muted: false,
  ...patch,
});

/** Feeds a condition sampled every 10 s; returns the track and every transition. */
function feed(
  cond: (t: number) => boolean,
  seconds: number,
  patch: Partial<Observation> = {},
  track: Track = emptyTrack('SN-0001:appliance_fault'),
  muted = (_t: number) => false,
) {
  const transitions = [];
  for (let t = 0; t <= seconds * 1000; t += 10_000) {
    const step = observe(track, obs(cond(t), { muted: muted(t), ...patch }), t);
    track = step.track;
    transitions.push(...step.transitions);
  }
  return { track, transitions };
}

test('pending → firing only after forMs; firstSeen is when the condition began', (t) => {
  const r = feed(() => true, 120);
  t.is(r.transitions.length, 1);
  t.like(r.transitions[0]!, { from: null, to: 'firing', at: 60_000 });
  t.is(r.transitions[0]!.alert.firstSeen, 0);
  t.is(r.track.alert!.lastSeen, 120_000);
});

test('flapping faster than forMs never fires', (t) => {
  const r = feed((x) => Math.floor(x / 30_000) % 2 === 0, 600);
  t.deepEqual(r.transitions, []);
});

test('a firing alert survives clear gaps shorter than keep-firing and resolves after one as long', (t) => {
  // On for 2 min, then flickers (20 s off, 10 s on) for 2 min, then off.
  const cond = (x: number) => x < 120_000 || (x < 240_000 && x % 30_000 === 0);
  const r = feed(cond, 400);
  t.deepEqual(
    r.transitions.map((x) => x.to),
    ['firing', 'resolved'],
  );
  // Last "on" sample at 210 s, clear from 220 s, resolved 30 s later.
  t.is(r.transitions[1]!.at, 220_000 + 30_000);
});

test('acknowledge: who, when and comment; twice is a conflict; acknowledged alerts resolve by themselves', (t) => {
  let { track } = feed(() => true, 70);
  const ack = acknowledge(track, 'li.wei', '已派人维修', 75_000);
  track = ack.track;
  t.like(ack.transitions[0]!, { from: 'firing', to: 'acknowledged', by: 'li.wei' });
  t.like(track.alert!, { state: 'acknowledged', acknowledgedBy: 'li.wei', acknowledgedAt: 75_000, ackComment: '已派人维修' });
  const again = t.throws(() => acknowledge(track, 'x', 'y', 76_000), { instanceOf: AlertingError });
  t.is(again.code, 'conflict');
  const end = observe(observe(track, obs(false), 80_000).track, obs(false), 110_000);
  t.like(end.transitions[0]!, { from: 'acknowledged', to: 'resolved', by: 'system' });
  t.is(end.transitions[0]!.alert.acknowledgedBy, 'li.wei');
});

test('acknowledging nothing is not_found', (t) => {
  const e = t.throws(() => acknowledge(emptyTrack('k'), 'a', 'b', 0), { instanceOf: AlertingError });
  t.is(e.code, 'not_found');
});

test('escalation fires once when unacknowledged for the configured time, never after an ack', (t) => {
  const r = feed(() => true, 1200);
  const esc = r.transitions.filter((x) => x.escalated);
  t.is(esc.length, 1);
  t.is(esc[0]!.at, 60_000 + 600_000);
  t.true(r.track.alert!.escalated);

  const fired = feed(() => true, 70).track;
  const acked = acknowledge(fired, 'a', 'b', 80_000).track;
  const later = feed(() => true, 1200, {}, acked);
  t.deepEqual(
    later.transitions.filter((x) => x.escalated),
    [],
  );
});

test('a muted alert does not escalate, and once unmuted escalates only after the full time', (t) => {
  // Muted (silenced or inhibited) for 20 min, twice the escalation time.
  const r = feed(
    () => true,
    1800,
    {},
    emptyTrack('SN-0001:appliance_fault'),
    (x) => x < 1_200_000,
  );
  const esc = r.transitions.filter((x) => x.escalated);
  t.is(esc.length, 1);
  t.is(esc[0]!.at, 1_200_000 + 600_000, 'counted from the unmute, not from when it fired');
});

test('resolving by hand while the condition holds fires a new alert after forMs', (t) => {
  const fired = feed(() => true, 70).track;
  const manual = resolveByHand(fired, 'zhang', '已修复', 80_000);
  t.like(manual.transitions[0]!.alert, { state: 'resolved', resolvedBy: 'zhang', resolveComment: '已修复' });
  const after = observe(observe(manual.track, obs(true), 90_000).track, obs(true), 150_000);
  t.is(after.transitions[0]!.to, 'firing');
  t.is(after.transitions[0]!.alert.firstSeen, 90_000);
});

/** Observes a track every 10 s over [fromS, toS]. */
function continueTrack(track: Track, fromS: number, toS: number, cond: (t: number) => boolean) {
  const transitions = [];
  for (let t = fromS * 1000; t <= toS * 1000; t += 10_000) {
    const step = observe(track, obs(cond(t)), t);
    track = step.track;
    transitions.push(...step.transitions);
  }
  return { track, transitions };
}

/** What the store keeps of a transition (record_json) and the track rebuilt from it after a restart. */
const restore = (transition: AlertTransition, track: Track): Track => {
  const stored = JSON.parse(JSON.stringify({ transition, firedAt: track.audibleSince })) as { transition: AlertTransition; firedAt: number | null };
  return trackFromTransition(stored.transition, stored.firedAt);
};

test('a track rebuilt from its last stored transition continues exactly (restart mid-alert)', (t) => {
  const cond = (x: number) => x < 900_000;
  // Firing since 60 s, restarted at 70 s: escalates at 660 s and resolves 30 s after the fault clears, as if never restarted.
  const fired = feed(() => true, 60);
  const rebuilt = restore(fired.transitions.at(-1)!, fired.track);
  t.deepEqual(rebuilt, fired.track);
  const expected = continueTrack(fired.track, 70, 1000, cond);
  t.deepEqual(continueTrack(rebuilt, 70, 1000, cond), expected);
  t.deepEqual(
    expected.transitions.map((x) => `${x.at} ${x.to}${x.escalated ? ' escalated' : ''}`),
    ['660000 firing escalated', '930000 resolved'],
  );

  // Acknowledged at 75 s, restarted: no escalation, and the resolution keeps who acknowledged it.
  const acked = acknowledge(feed(() => true, 70).track, 'li', 'ok', 75_000);
  const rebuiltAck = restore(acked.transitions[0]!, acked.track);
  t.deepEqual(rebuiltAck, acked.track);
  const expectedAck = continueTrack(acked.track, 80, 1000, cond);
  t.deepEqual(continueTrack(rebuiltAck, 80, 1000, cond), expectedAck);
  t.like(expectedAck.transitions, [{ to: 'resolved', at: 930_000, alert: { acknowledgedBy: 'li' } }]);

  t.is(restore({ ...acked.transitions[0]!, to: 'resolved' }, emptyTrack(acked.track.key)).alert, null);
});

test('silences mute a station’s alerts without hiding them, and only inside their window', (t) => {
  const from = at('2026-05-06T10:00:00');
  const silence = { id: 's1', stationId: 'SN-0001', ruleIds: [], from: from + 5 * MIN, until: from + 15 * MIN, reason: '维修', createdBy: 'ops' };
  const r = run({
    from,
    to: from + 20 * MIN,
    silences: [silence],
    periodic: [{ everyMs: 20 * S, make: msg.heartbeat }],
    messages: [msg.appliance(from, 'fridge', { faultCode: 'E2' })],
  });
  const fired = r.firing('appliance_fault');
  t.is(fired[0]!.alert.suppressedBy, undefined, 'fired before the silence began');
  t.is(r.tracks.get('SN-0001:appliance_fault')!.alert!.suppressedBy, undefined, 'unmuted after the silence ended');
  const during = run({
    from,
    to: from + 10 * MIN,
    silences: [silence],
    periodic: [{ everyMs: 20 * S, make: msg.heartbeat }],
    messages: [msg.appliance(from, 'fridge', { faultCode: 'E2' })],
  });
  t.is(during.tracks.get('SN-0001:appliance_fault')!.alert!.suppressedBy, 'silence');
});
