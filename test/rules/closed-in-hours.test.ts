import test from 'ava';
import { at, daily, H, MIN, msg, run, S, station } from './timeline.js';

const beats = { everyMs: 20 * S, make: msg.heartbeat };

test('closed in hours fires after the grace period, not before', (t) => {
  const st = station({ openingHours: daily([['08:00', '20:00']]) });
  const from = at('2026-05-06T07:00:00');
  const r = run({ station: st, from, to: at('2026-05-06T09:00:00'), messages: [msg.service(from, false)], periodic: [beats] });
  const fired = r.firing('closed_in_hours');
  t.is(fired.length, 1);
  t.is(fired[0]!.at, at('2026-05-06T08:15:00'));
  t.is(fired[0]!.alert.firstSeen, at('2026-05-06T08:00:00'));
  t.regex(fired[0]!.alert.summaryZh, /驿站报告关闭/);
});

test('opening within the grace period raises nothing; closing outside hours raises nothing', (t) => {
  const st = station({ openingHours: daily([['08:00', '20:00']]) });
  const from = at('2026-05-06T07:00:00');
  const r = run({
    station: st,
    from,
    to: at('2026-05-06T23:00:00'),
    messages: [msg.service(from, false), msg.service(at('2026-05-06T08:10:00'), true), msg.service(at('2026-05-06T20:00:00'), false)],
    periodic: [beats],
  });
  t.deepEqual(r.firing('closed_in_hours'), []);
});

test('a schedule crossing midnight is judged on both sides of midnight', (t) => {
  const st = station({ openingHours: daily([['18:00', '02:00']]) });
  const from = at('2026-05-06T17:00:00');
  // Open from 18:00, closes early at 00:30 (still in hours until 02:00).
  const r = run({
    station: st,
    from,
    to: at('2026-05-07T03:00:00'),
    messages: [msg.service(at('2026-05-06T18:00:00'), true), msg.service(at('2026-05-07T00:30:00'), false)],
    periodic: [beats],
  });
  const fired = r.firing('closed_in_hours');
  t.is(fired.length, 1);
  t.is(fired[0]!.at, at('2026-05-07T00:45:00'));
  const resolved = r.resolved('closed_in_hours');
  t.is(resolved.length, 1, 'resolved once the window ends at 02:00');
  t.is(resolved[0]!.at, at('2026-05-07T02:01:00'));
});

test('several windows per day: closed over the lunch gap is fine, closed in the afternoon window is not', (t) => {
  const st = station({
    openingHours: daily([
      ['07:00', '11:30'],
      ['13:30', '18:00'],
    ]),
  });
  const from = at('2026-05-06T06:00:00');
  const r = run({
    station: st,
    from,
    to: at('2026-05-06T19:00:00'),
    messages: [msg.service(at('2026-05-06T07:00:00'), true), msg.service(at('2026-05-06T11:30:00'), false), msg.service(at('2026-05-06T14:00:00'), true)],
    periodic: [beats],
  });
  const fired = r.firing('closed_in_hours');
  t.is(fired.length, 1);
  t.is(fired[0]!.alert.firstSeen, at('2026-05-06T13:30:00'));
  t.is(fired[0]!.at, at('2026-05-06T13:45:00'));
});

test('a declared closure day raises nothing', (t) => {
  const st = station({ openingHours: daily([['08:00', '20:00']], ['2026-05-06']) });
  const from = at('2026-05-06T07:00:00');
  const r = run({ station: st, from, to: at('2026-05-06T21:00:00'), messages: [msg.service(from, false)], periodic: [beats] });
  t.deepEqual(r.firing('closed_in_hours'), []);
});

test('a 24 h station closed at 03:00 fires; offline counts as not open (both alerts, distinct keys)', (t) => {
  const st = station({ openingHours: { type: '24h', closedDates: [] } });
  const from = at('2026-05-06T02:00:00');
  const lwtAt = at('2026-05-06T03:00:00');
  const r = run({
    station: st,
    from,
    to: at('2026-05-06T04:00:00'),
    messages: [msg.service(from, true), msg.lwt(lwtAt)],
    periodic: [{ ...beats, when: (x) => x < lwtAt }],
  });
  t.is(r.firing('station_offline').length, 1);
  const closed = r.firing('closed_in_hours');
  t.is(closed.length, 1);
  t.is(closed[0]!.at, lwtAt + 15 * MIN);
  t.regex(closed[0]!.alert.summaryEn, /offline, counted as closed/);
});

test('offline outside the schedule is offline only, not closed-in-hours', (t) => {
  const st = station({ openingHours: daily([['08:00', '20:00']]) });
  const from = at('2026-05-06T21:00:00');
  const r = run({
    station: st,
    from,
    to: from + 3 * H,
    messages: [msg.service(from, false), msg.lwt(from + 10 * MIN)],
    periodic: [{ ...beats, when: (x) => x < from + 10 * MIN }],
  });
  t.is(r.firing('station_offline').length, 1);
  t.deepEqual(r.firing('closed_in_hours'), []);
});
