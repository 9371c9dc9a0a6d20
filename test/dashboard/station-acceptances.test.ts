import test from 'ava';
import { auditLog } from '../../dashboard-api/audit-log.js';
import { startHarness, type Harness } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';

// The yearly round per station (issue 11 item 2) over the API: the district maintainer nominates,
// city staff record the September result, the plaque and the subsidy; each role only its own
// steps, in its own district; every step audited; plaques count toward the form's item 4.

let h: Harness;
test.before(async () => {
  h = await startHarness({ alerting: new MemoryAlerting(), influx: { query: async () => [] } });
});
test.after.always(() => h?.close());

const path = (id: string, step: string, year = 2021) => `/api/station-acceptances/${year}/${id}/${step}`;

test.serial('nominate → rectify by a date → accepted → plaque and subsidy; each role its own steps; every step audited', async (t) => {
  const sn = await h.login('maint-sn');
  const sb = await h.login('maint-sb');
  const admin = await h.login('admin');
  const id = h.registry.inDistrict('SN').find((s) => s.yearBuilt <= 2020)!.id;

  t.is((await h.send('POST', path(id, 'result'), { outcome: 'accepted' }, admin)).status, 409, 'not nominated');
  t.is((await h.send('POST', path(id, 'nomination'), {}, admin)).status, 403, 'city staff do not nominate');
  t.is((await h.send('POST', path(id, 'nomination'), {}, sb)).status, 403, 'not their district');
  t.is((await h.send('POST', path(id, 'nomination'), { note: 'x', extra: 1 }, sn)).status, 400, 'unknown fields refused');
  const nominated = await h.send('POST', path(id, 'nomination'), { note: '设施齐全，申报验收' }, sn);
  t.is(nominated.status, 200, JSON.stringify(nominated.body));
  t.like(nominated.body, { stationId: id, district: 'SN', nominatedBy: 'maint-sn', nominationNote: '设施齐全，申报验收' });

  t.is((await h.send('POST', path(id, 'result'), { outcome: 'accepted' }, sn)).status, 403, 'a district does not accept its own');
  t.is((await h.send('POST', path(id, 'result'), { outcome: 'rectify', note: '缺医药箱' }, admin)).status, 400, 'rectify needs a date');
  t.is((await h.send('POST', path(id, 'result'), { outcome: 'rectify', rectifyBy: '2020-01-01', note: '缺医药箱' }, admin)).status, 400, 'in the future');
  const rectify = await h.send('POST', path(id, 'result'), { outcome: 'rectify', rectifyBy: '2099-10-31', note: '缺医药箱' }, admin);
  t.like(rectify.body, { result: { outcome: 'rectify', rectifyBy: '2099-10-31', by: 'admin' } });
  t.is((await h.send('POST', path(id, 'plaque'), { name: '香港中路驿站', on: '2021-09-25' }, admin)).status, 409, 'plaques go to accepted stations');
  t.is((await h.send('DELETE', path(id, 'nomination'), {}, sn)).status, 409, 'decided: no withdrawal');

  t.like((await h.send('POST', path(id, 'result'), { outcome: 'accepted', note: '整改完成' }, admin)).body, { result: { outcome: 'accepted' } });
  t.is((await h.send('POST', path(id, 'plaque'), { name: '香港中路驿站', on: '2021-09-25' }, sn)).status, 403);
  t.like((await h.send('POST', path(id, 'plaque'), { name: '香港中路驿站', on: '2021-09-25' }, admin)).body, {
    plaque: { name: '香港中路驿站', on: '2021-09-25' },
  });
  t.like((await h.send('POST', path(id, 'subsidy'), { state: 'granted', yuan: 20000 }, admin)).body, { subsidy: { state: 'granted', yuan: 20000 } });

  const list = await h.get('/api/station-acceptances?year=2021', sb);
  t.deepEqual(list.body, [], "SB sees none of SN's");
  t.like((await h.get('/api/station-acceptances?year=2021&district=SN', admin)).body[0], { stationId: id, plaque: { name: '香港中路驿站' } });

  const steps = (await auditLog(h.db).list({ district: 'SN', limit: 50 })).filter((e) => e.action.startsWith('station_')).reverse();
  t.deepEqual(
    steps.map((e) => [e.action, e.user]),
    [
      ['station_nominate', 'maint-sn'],
      ['station_result', 'admin'],
      ['station_result', 'admin'],
      ['station_plaque', 'admin'],
      ['station_subsidy', 'admin'],
    ],
  );
  t.like(steps[1], { target: `${id}:2021:acceptance`, detail: { outcome: 'rectify', rectifyBy: '2099-10-31' } });
});

test.serial('a nomination not decided yet can be withdrawn; a station is put forward only from the year it was built', async (t) => {
  const sn = await h.login('maint-sn');
  const later = h.registry.inDistrict('SN').find((s) => s.yearBuilt === 2021)!;
  t.is((await h.send('POST', path(later.id, 'nomination', 2020), {}, sn)).status, 400);
  t.is((await h.send('POST', path(later.id, 'nomination'), {}, sn)).status, 200);
  t.deepEqual((await h.send('DELETE', path(later.id, 'nomination'), {}, sn)).body, { withdrawn: true });
  t.is((await h.send('DELETE', path(later.id, 'nomination'), {}, sn)).status, 409);
});

test.serial('plaqued self-built stations count toward item 4 (自建本级并挂牌命名5个以上)', async (t) => {
  const admin = await h.login('admin');
  const maint = await h.login('maint-sn');
  const own = h.registry.inDistrict('SN').filter((s) => s.hostType === 'union_built' && s.yearBuilt <= 2021);
  t.true(own.length >= 5, 'the registry has five self-built SN stations');
  const item4 = async () => (await h.get('/api/acceptance/SN?year=2021', admin)).body.items.find((i: { no: number }) => i.no === 4);
  t.regex((await item4()).evidenceZh.join(), /未达到/);
  for (const s of own.slice(0, 5)) {
    await h.send('POST', path(s.id, 'nomination'), {}, maint);
    await h.send('POST', path(s.id, 'result'), { outcome: 'accepted' }, admin);
    t.is((await h.send('POST', path(s.id, 'plaque'), { name: `${s.name}`, on: '2021-09-28' }, admin)).status, 200);
  }
  t.regex((await item4()).evidenceZh.join(), /已挂牌命名 5 座：达到/);
});
