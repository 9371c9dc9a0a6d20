import test from 'ava';
import { auditLog } from '../../dashboard-api/audit-log.js';
import { manualRecords } from '../../alerting/manual-records.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';

// Declared closures and schedule changes over the API (issue 11 item 4), on the real SQLite layer:
// the district maintainer asks for a station of their district, city staff approve or reject, the
// maintainer who asked may withdraw while pending; limits from config refuse a request naming the
// limit; every step audited; the alerting service reads the approved ones only.

const NOW = Date.parse('2026-05-04T10:00:00+08:00');
let clock = NOW;
let h: Harness;
test.before(async () => {
  h = await startHarness({
    alerting: new MemoryAlerting(),
    influx: { query: async () => [] },
    now: () => clock,
    env: { DASHBOARD_MIN_WEEKLY_OPEN_HOURS: '40', DASHBOARD_MAX_CLOSURE_DAYS: '10' },
  });
});
test.after.always(() => h?.close());

const weekdays = (open: string, close: string) => ({
  type: 'weekly',
  weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ open, close }]])),
});

test.serial('closure: maintainer asks, another district and city staff may not; city staff approve; every step audited', async (t) => {
  const sn = await h.login('maint-sn');
  const sb = await h.login('maint-sb');
  const admin = await h.login('admin');
  const id = h.registry.inDistrict('SN')[0]!.id;
  const body = { kind: 'closure', stationId: id, from: '2026-05-10', to: '2026-05-12', reason: 'renovation', note: '地面防滑改造' };

  t.is((await h.send('POST', '/api/schedule-requests', body, sb)).status, 403, 'a station of another district');
  t.is((await h.send('POST', '/api/schedule-requests', body, admin)).status, 403, 'city staff do not ask');
  const bad = await h.send('POST', '/api/schedule-requests', { ...body, reason: 'bored', to: 'soon' }, sn);
  t.is(bad.status, 400);
  t.deepEqual(bad.body.error.issues.map((i: { path: string }) => i.path).sort(), ['body.reason', 'body.to']);
  t.regex(
    (await h.send('POST', '/api/schedule-requests', { ...body, from: '2026-05-01' }, sn)).body.error.message,
    /body\.from: today \(2026-05-04\) or later/,
  );

  const asked = await h.send('POST', '/api/schedule-requests', body, sn);
  t.is(asked.status, 200, JSON.stringify(asked.body));
  t.like(asked.body, { stationId: id, district: 'SN', kind: 'closure', state: 'pending', from: '2026-05-10', to: '2026-05-12', requestedBy: 'maint-sn' });
  const rid = asked.body.id as number;

  t.is((await h.send('POST', `/api/schedule-requests/${rid}/approve`, {}, sn)).status, 403, 'a maintainer cannot approve');
  t.is((await h.send('POST', `/api/schedule-requests/${rid}/withdraw`, {}, sb)).status, 403, 'nor withdraw another district’s');
  t.is((await h.send('POST', `/api/schedule-requests/${rid}/reject`, {}, admin)).status, 400, 'a rejection says why');
  t.deepEqual(await manualRecords(h.db).approvedScheduleRequests(), [], 'pending: the alerting service sees nothing');

  const approved = await h.send('POST', `/api/schedule-requests/${rid}/approve`, { note: '同意' }, admin);
  t.like(approved.body, { state: 'approved', decidedBy: 'admin', decisionNote: '同意', decidedAt: NOW });
  t.is((await h.send('POST', `/api/schedule-requests/${rid}/withdraw`, {}, sn)).status, 409, 'decided: no withdrawal');
  t.like(await manualRecords(h.db).approvedScheduleRequests(), [{ id: rid, stationId: id, kind: 'closure', from: '2026-05-10', to: '2026-05-12' }]);

  t.deepEqual(
    (await h.get(`/api/schedule-requests?stationId=${id}`, sn)).body.map((r: { id: number; state: string }) => [r.id, r.state]),
    [[rid, 'approved']],
  );
  t.is((await h.get(`/api/schedule-requests?stationId=${id}`, sb)).status, 403);
  t.deepEqual((await h.get('/api/schedule-requests', sb)).body, [], "SB sees none of SN's");

  const steps = (await auditLog(h.db).list({ district: 'SN', limit: 50 })).filter((e) => e.action.startsWith('schedule_')).reverse();
  t.deepEqual(
    steps.map((e) => [e.action, e.user, e.target]),
    [
      ['schedule_request', 'maint-sn', `${id}:schedule-request:${rid}`],
      ['schedule_approve', 'admin', `${id}:schedule-request:${rid}`],
    ],
  );
  t.like(steps[0], { detail: { kind: 'closure', from: '2026-05-10', reason: 'renovation', note: '地面防滑改造' } });
});

test.serial('limits from config: too few weekly hours and too many closure days are refused naming the limit, and counted', async (t) => {
  const sn = await h.login('maint-sn');
  const id = h.registry.inDistrict('SN')[1]!.id;
  const few = await h.send(
    'POST',
    '/api/schedule-requests',
    { kind: 'schedule', stationId: id, effectiveFrom: '2026-06-01', hours: weekdays('09:00', '16:00'), note: '人手不足' },
    sn,
  );
  t.is(few.status, 422);
  t.is(few.body.error.code, 'min_weekly_open_hours');
  t.regex(few.body.error.message, /每周开放 35 小时，低于每周最少开放时长 40 小时.*DASHBOARD_MIN_WEEKLY_OPEN_HOURS/);

  const ok = await h.send(
    'POST',
    '/api/schedule-requests',
    { kind: 'closure', stationId: id, from: '2026-07-01', to: '2026-07-06', reason: 'power_cut', note: '线路改造' },
    sn,
  );
  t.is(ok.status, 200, 'six days');
  const more = await h.send(
    'POST',
    '/api/schedule-requests',
    { kind: 'closure', stationId: id, from: '2026-08-01', to: '2026-08-05', reason: 'holiday', note: '休假' },
    sn,
  );
  t.is(more.status, 422, 'six pending + five > ten');
  t.is(more.body.error.code, 'max_closure_days_per_year');
  t.regex(more.body.error.message, /11 天.*DASHBOARD_MAX_CLOSURE_DAYS/);
  t.regex(await h.metrics.metrics(), /dashboard_http_rejected_total\{reason="max_closure_days_per_year"\} 1/);
  t.regex(await h.metrics.metrics(), /dashboard_http_rejected_total\{reason="min_weekly_open_hours"\} 1/);

  // Withdrawn, the six days no longer count.
  t.like((await h.send('POST', `/api/schedule-requests/${ok.body.id}/withdraw`, {}, sn)).body, { state: 'withdrawn' });
  t.is(
    (
      await h.send(
        'POST',
        '/api/schedule-requests',
        { kind: 'closure', stationId: id, from: '2026-08-01', to: '2026-08-05', reason: 'holiday', note: '休假' },
        sn,
      )
    ).status,
    200,
  );
});

test.serial('schedule change: from a later date only; rejected ones change nothing; a request that has started is not approved', async (t) => {
  const sn = await h.login('maint-sn');
  const admin = await h.login('admin');
  const id = h.registry.inDistrict('SN')[2]!.id;
  const body = { kind: 'schedule', stationId: id, effectiveFrom: '2026-05-04', hours: weekdays('08:00', '18:00'), note: '冬季作息' };
  t.regex((await h.send('POST', '/api/schedule-requests', body, sn)).body.error.message, /after today \(2026-05-04\): the past keeps its hours/);
  const asked = await h.send('POST', '/api/schedule-requests', { ...body, effectiveFrom: '2026-06-01' }, sn);
  t.like(asked.body, { kind: 'schedule', effectiveFrom: '2026-06-01', hours: { type: 'weekly' } });
  t.like((await h.send('POST', `/api/schedule-requests/${asked.body.id}/reject`, { note: '开放时长不足' }, admin)).body, {
    state: 'rejected',
    decisionNote: '开放时长不足',
  });
  t.false((await manualRecords(h.db).approvedScheduleRequests()).some((r) => r.stationId === id));

  // Today's closure may be asked and approved (停电 today); one that began yesterday is not.
  const today = await h.send(
    'POST',
    '/api/schedule-requests',
    { kind: 'closure', stationId: id, from: '2026-05-04', to: '2026-05-04', reason: 'power_cut', note: '停电' },
    sn,
  );
  t.like((await h.send('POST', `/api/schedule-requests/${today.body.id}/approve`, {}, admin)).body, { state: 'approved' });
  const tomorrow = await h.send(
    'POST',
    '/api/schedule-requests',
    { kind: 'closure', stationId: id, from: '2026-05-05', to: '2026-05-05', reason: 'power_cut', note: '停电' },
    sn,
  );
  clock = NOW + 2 * 86_400_000;
  t.teardown(() => (clock = NOW));
  const late = await h.send('POST', `/api/schedule-requests/${tomorrow.body.id}/approve`, {}, admin);
  t.is(late.status, 409);
  t.regex(late.body.error.message, /past days keep their schedule; reject it and request again/);
  const audit = (await auditLog(h.db).list({ district: 'SN', limit: 100 })).filter((e) => e.target.startsWith(`${id}:`)).map((e) => e.action);
  t.deepEqual(audit.reverse(), ['schedule_request', 'schedule_reject', 'schedule_request', 'schedule_approve', 'schedule_request']);
});
