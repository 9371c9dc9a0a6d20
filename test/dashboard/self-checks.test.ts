import test from 'ava';
import { auditLog } from '../../dashboard-api/audit-log.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';

// The self-check cycle (issue 11 item 2): submit by the district, return or accept by city staff,
// each role only its own steps, every step audited.

let h: Harness;
/** The dashboard's clock: wall time unless a test sets it. */
let clock: number | undefined;
test.before(async () => {
  h = await startHarness({ alerting: new MemoryAlerting(), influx: { query: async () => [] }, now: () => clock ?? Date.now() });
});
test.after.always(() => h?.close());

test.serial('submit → return with a reason → submit again → accept; the form is kept as submitted; every step audited', async (t) => {
  const sn = await h.login('maint-sn');
  const admin = await h.login('admin');
  t.like((await h.get('/api/self-checks/SN/2021', sn)).body, { district: 'SN', year: 2021, state: 'draft', dueBy: '2021-06-30' });

  t.is((await h.send('PUT', '/api/acceptance/SN/items/1?year=2021', { score: 8, note: '会议纪要' }, admin)).status, 200);
  const submitted = await h.send('POST', '/api/self-checks/SN/2021/submit', {}, sn);
  t.is(submitted.status, 200, JSON.stringify(submitted.body));
  t.like(submitted.body, { state: 'submitted', submittedBy: 'maint-sn', submittedForm: { district: 'SN', year: 2021 } });
  t.like(submitted.body.submittedForm.items[0], { no: 1, score: 8 });

  t.is((await h.send('POST', '/api/self-checks/SN/2021/return', {}, admin)).status, 400, 'a return says why');
  const returned = await h.send('POST', '/api/self-checks/SN/2021/return', { comment: '第4项缺少挂牌照片' }, admin);
  t.like(returned.body, { state: 'returned', reviewedBy: 'admin', reviewComment: '第4项缺少挂牌照片', submittedBy: 'maint-sn' });
  t.is((await h.send('POST', '/api/self-checks/SN/2021/accept', {}, admin)).status, 409, 'a returned self-check is not accepted before it is resubmitted');

  t.like((await h.send('POST', '/api/self-checks/SN/2021/submit', {}, sn)).body, { state: 'submitted' });
  t.false('reviewComment' in (await h.get('/api/self-checks/SN/2021', sn)).body, 'a resubmission clears the last review');
  t.like((await h.send('POST', '/api/self-checks/SN/2021/accept', { comment: '同意' }, admin)).body, { state: 'accepted', reviewedBy: 'admin' });
  t.is((await h.send('POST', '/api/self-checks/SN/2021/submit', {}, sn)).status, 409, 'accepted is final');

  const steps = (await auditLog(h.db).list({ district: 'SN', limit: 50 })).filter((e) => e.action.startsWith('self_check_')).reverse();
  t.deepEqual(
    steps.map((e) => [e.action, e.user]),
    [
      ['self_check_submit', 'maint-sn'],
      ['self_check_return', 'admin'],
      ['self_check_submit', 'maint-sn'],
      ['self_check_accept', 'admin'],
    ],
  );
  t.like(steps[1], { target: 'SN:2021:self-check', detail: { comment: '第4项缺少挂牌照片' } });
});

test.serial('each role takes only its own steps, in its own district; the list is scoped', async (t) => {
  const sn = await h.login('maint-sn');
  const sb = await h.login('maint-sb');
  const admin = await h.login('admin');
  t.is((await h.send('POST', '/api/self-checks/SB/2020/submit', {}, sn)).status, 403, 'not their district');
  t.is((await h.send('POST', '/api/self-checks/SB/2020/submit', {}, admin)).status, 403, 'city staff do not submit for a district');
  t.is((await h.send('POST', '/api/self-checks/SB/2020/submit', {}, await h.login('viewer'))).status, 403);
  t.is((await h.send('POST', '/api/self-checks/SB/2020/accept', {}, admin)).status, 409, 'nothing submitted yet');
  t.is((await h.send('POST', '/api/self-checks/SB/2020/submit', {}, sb)).status, 200);
  t.is((await h.send('POST', '/api/self-checks/SB/2020/accept', {}, sb)).status, 403, 'a district does not accept its own');
  t.is((await h.get('/api/self-checks/SB/2020', sn)).status, 403);
  t.deepEqual(
    ((await h.get('/api/self-checks?year=2020', sb)).body as Array<{ district: string; state: string }>).map((s) => [s.district, s.state]),
    [['SB', 'submitted']],
  );
  const all = (await h.get('/api/self-checks?year=2020', admin)).body as Array<{ district: string; state: string }>;
  t.is(all.length, 12);
  t.is(all.find((s) => s.district === 'SB')!.state, 'submitted');
  t.is((await h.get('/api/self-checks?year=2030', admin)).status, 400);
});

test.serial('a self-check not submitted when 1 July began, or submitted after that, is late (injected clock)', async (t) => {
  t.teardown(() => (clock = undefined));
  const at = (local: string) => Date.parse(`${local}+08:00`);
  const admin = await h.login('admin');
  const lateOf = async () =>
    Object.fromEntries(
      ((await h.get('/api/self-checks?year=2026', admin)).body as Array<{ district: string; late: boolean }>).map((s) => [s.district, s.late]),
    );

  clock = at('2026-06-30T23:59:00');
  t.like((await h.get('/api/self-checks/LC/2026', admin)).body, { state: 'draft', dueBy: '2026-06-30', late: false });
  t.like((await h.send('POST', '/api/self-checks/SN/2026/submit', {}, await h.login('maint-sn'))).body, { state: 'submitted', late: false });
  t.false(Object.values(await lateOf()).some(Boolean), 'before July nobody is late');

  clock = at('2026-07-01T00:00:00');
  t.like((await h.get('/api/self-checks/LC/2026', admin)).body, { state: 'draft', late: true });
  clock = at('2026-07-02T09:00:00');
  t.like((await h.send('POST', '/api/self-checks/SB/2026/submit', {}, await h.login('maint-sb'))).body, { state: 'submitted', late: true });
  const late = await lateOf();
  t.false(late.SN, 'submitted on 30 June');
  t.true(late.SB, 'submitted on 2 July');
  t.true(late.LC, 'never submitted');
});
