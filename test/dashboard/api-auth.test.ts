import test from 'ava';
import { auditLog } from '../../dashboard-api/audit-log.js';
import { startHarness, type Harness, PASSWORD } from './helpers/dashboard-harness.js';
import { MemoryAlerting } from './helpers/memory-alerting.js';

const noInflux = { query: async () => [] };
const T = Date.UTC(2026, 10, 24, 2, 0);

let h: Harness;
let alerting: MemoryAlerting;
test.before(async () => {
  alerting = new MemoryAlerting();
  alerting.fire({ ruleId: 'station_offline', stationId: 'SN-0001', district: 'SN', severity: 'major', summaryZh: '离线', summaryEn: 'offline', firstSeen: T });
  alerting.fire({ ruleId: 'appliance_fault', stationId: 'SB-0001', district: 'SB', severity: 'critical', summaryZh: '故障', summaryEn: 'fault', firstSeen: T });
  h = await startHarness({ alerting, influx: noInflux });
});
test.after.always(() => h?.close());

test('login issues a token; wrong passwords and unknown users get the same 401', async (t) => {
  const ok = await h.send('POST', '/api/auth/login', { username: 'admin', password: 'correct horse battery staple' });
  t.is(ok.status, 200);
  t.is(ok.body.user.role, 'city-admin');
  t.false('passwordHash' in ok.body.user);
  const me = await h.get('/api/auth/me', ok.body.token);
  t.is(me.body.username, 'admin');

  const wrong = await h.send('POST', '/api/auth/login', { username: 'admin', password: 'nope' });
  const unknown = await h.send('POST', '/api/auth/login', { username: 'ghost', password: 'nope' });
  t.is(wrong.status, 401);
  t.deepEqual(wrong.body, unknown.body);
  t.is(wrong.body.error.code, 'bad_credentials');
});

test('the Authorization scheme is case-insensitive (RFC 7235)', async (t) => {
  const token = await h.login('viewer');
  for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
    const res = await fetch(`${h.api.url}/api/fleet/summary`, { headers: { authorization: `${scheme} ${token}` } });
    t.is(res.status, 200, scheme);
  }
});

test('every API route but login needs a valid token', async (t) => {
  for (const path of ['/api/fleet/summary', '/api/stations', '/api/alerts', '/api/progress', '/api/navigation']) {
    const none = await h.get(path);
    t.is(none.status, 401, path);
    t.is(none.body.error.code, 'unauthorized');
  }
  const forged = await h.get('/api/stations', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl');
  t.is(forged.status, 401);
});

test('a district maintainer sees only their own district', async (t) => {
  const token = await h.login('maint-sn');
  const list = await h.get('/api/stations?limit=1000', token);
  t.is(list.status, 200);
  t.true(list.body.total > 0);
  t.true(list.body.stations.every((s: { district: string }) => s.district === 'SN'));

  const summary = await h.get('/api/fleet/summary', token);
  t.deepEqual(
    summary.body.districts.map((d: { code: string }) => d.code),
    ['SN'],
  );

  const alerts = await h.get('/api/alerts', token);
  t.deepEqual(
    alerts.body.map((a: { stationId: string }) => a.stationId),
    ['SN-0001'],
  );

  const nav = await h.get('/api/navigation', token);
  t.true(nav.body.length > 0 && nav.body.every((r: { district: string; districtCode: string }) => r.districtCode === 'SN' && r.district === '市南区'));

  for (const path of [
    '/api/stations?district=SB',
    '/api/stations/SB-0001',
    '/api/stations/SB-0001/history?metric=service.open&from=1764000000000&to=1764003600000',
    '/api/acceptance/SB',
    '/api/alerts?district=SB',
    '/api/alert-history?district=SB',
    '/api/alert-history?district=SB&format=csv',
    '/api/compliance?district=SB',
    '/api/navigation?district=SB&format=csv',
  ]) {
    const r = await h.get(path, token);
    t.is(r.status, 403, path);
    t.is(r.body.error.code, 'forbidden');
  }
  t.is((await h.get('/api/alerts?station=SB-0001', token)).status, 403, 'like /api/silences?station=');
  t.is((await h.get('/api/silences?station=SB-0001', token)).status, 403);
  // Another district's alert: the same answer whether it exists or not (no oracle); a missing one of its own is 404.
  for (const action of ['acknowledge', 'resolve']) {
    for (const key of ['SB-0001:appliance_fault', 'SB-0001:station_offline']) {
      const r = await h.send('POST', `/api/alerts/${encodeURIComponent(key)}/${action}`, { comment: 'not mine' }, token);
      t.deepEqual([r.status, r.body.error.code], [403, 'forbidden'], `${action} ${key}`);
    }
    const missing = await h.send('POST', `/api/alerts/${encodeURIComponent('SN-0002:appliance_fault')}/${action}`, { comment: 'x' }, token);
    t.is(missing.status, 404);
  }
  t.is(alerting.get('SB-0001:appliance_fault')?.state, 'firing');
  const silence = await h.send('POST', '/api/silences', { stationId: 'SB-0002', until: new Date(Date.now() + 3600_000).toISOString(), reason: 'x' }, token);
  t.is(silence.status, 403);
  const attest = await h.send('POST', '/api/attestations', { stationId: 'SB-0002', item: 'medical_kit', present: true, working: true }, token);
  t.is(attest.status, 403);
});

test('the city viewer sees everything and may change nothing', async (t) => {
  const token = await h.login('viewer');
  const summary = await h.get('/api/fleet/summary', token);
  t.is(summary.body.districts.length, 12);
  const ack = await h.send('POST', `/api/alerts/${encodeURIComponent('SN-0001:station_offline')}/acknowledge`, { comment: 'look' }, token);
  t.is(ack.status, 403);
  const edit = await h.send('PUT', '/api/acceptance/SN/items/1', { score: 5 }, token);
  t.is(edit.status, 403);
});

test('acknowledge, attestation and acceptance edits are audited with who and when', async (t) => {
  const sn = await h.login('maint-sn');
  const ack = await h.send('POST', `/api/alerts/${encodeURIComponent('SN-0001:station_offline')}/acknowledge`, { comment: '已派人检查' }, sn);
  t.is(ack.status, 200);
  t.is(ack.body.state, 'acknowledged');
  t.is(ack.body.acknowledgedBy, 'maint-sn');
  const again = await h.send('POST', `/api/alerts/${encodeURIComponent('SN-0001:station_offline')}/acknowledge`, { comment: 'again' }, sn);
  t.is(again.status, 409);

  const attest = await h.send('POST', '/api/attestations', { stationId: 'SN-0002', item: 'medical_kit', present: true, working: false, note: '药品过期' }, sn);
  t.is(attest.status, 200);
  t.is(alerting.attestations('SN-0002')[0]?.by, 'maint-sn');

  const admin = await h.login('admin');
  const edit = await h.send('PUT', '/api/acceptance/SN/items/1?year=2019', { score: 8, note: '每年召开会议' }, admin);
  t.is(edit.status, 200);
  t.is(edit.body.items[0].score, 8);
  const tooMuch = await h.send('PUT', '/api/acceptance/SN/items/1', { score: 11 }, admin);
  t.is(tooMuch.status, 400);
  const autoItem = await h.send('PUT', '/api/acceptance/SN/items/2?year=2019', { score: 1 }, admin);
  t.is(autoItem.status, 400);
  t.like(autoItem.body.error.issues[0], { path: 'params.no' });
  // 2021 has no SN target in the plan: item 2 is scored by hand that year, like item 4 (signage).
  t.is((await h.send('PUT', '/api/acceptance/SN/items/2?year=2021', { score: 7, note: '按全市目标折算' }, admin)).status, 200);
  t.like((await h.send('PUT', '/api/acceptance/SN/items/4?year=2021', { score: 14, note: '标识已核查' }, admin)).body.items[3], {
    auto: false,
    score: 14,
    note: '标识已核查',
  });

  const lines = (await auditLog(h.db).list({ limit: 1000 })).reverse();
  t.like(
    lines.find((l) => l.action === 'acknowledge'),
    { user: 'maint-sn', role: 'district-maintainer', district: 'SN', target: 'SN-0001:station_offline' },
  );
  t.like(
    lines.find((l) => l.action === 'attest'),
    { user: 'maint-sn', target: 'SN-0002' },
  );
  t.like(
    lines.find((l) => l.action === 'acceptance_edit' && l.district === 'SN'),
    { user: 'admin', target: 'SN:2019:item1' },
  );
  t.true(lines.every((l) => typeof l.at === 'number'));

  const audit = await h.get('/api/audit', sn);
  t.true(audit.body.length >= 2 && audit.body.every((e: { district: string }) => e.district === 'SN'));
});

test('bad input gets a 400 naming each bad field, as JSON', async (t) => {
  const token = await h.login('admin');
  const cases: Array<[string, string]> = [
    ['/api/stations?limit=abc', 'query.limit'],
    ['/api/stations?district=XX', 'query.district'],
    ['/api/stations?state=online&state=offline', 'query.state'],
    ['/api/stations?sort=colour', 'query.sort'],
    ['/api/stations?sort=name&order=up', 'query.order'],
    ['/api/compliance?sort=colour', 'query.sort'],
    ['/api/alert-history?from=2026-02-30', 'query.from'],
    ['/api/alert-history?from=2026-03-02&to=2026-03-01', 'query.to'],
    ['/api/stations/sn-1', 'params.id'],
    ['/api/acceptance/SN?year=2030', 'query.year'],
    ['/api/alerts?severity=fatal', 'query.severity'],
  ];
  for (const [path, field] of cases) {
    const r = await h.get(path, token);
    t.is(r.status, 400, path);
    t.is(r.body.error.code, 'invalid_request', path);
    t.true(
      r.body.error.issues.some((i: { path: string }) => i.path.startsWith(field)),
      `${path}: ${JSON.stringify(r.body.error.issues)}`,
    );
  }
  const extra = await h.send('POST', `/api/alerts/${encodeURIComponent('SB-0001:appliance_fault')}/acknowledge`, { comment: 'x', state: 'resolved' }, token);
  t.is(extra.status, 400);
  const empty = await h.send('POST', `/api/alerts/${encodeURIComponent('SB-0001:appliance_fault')}/acknowledge`, { comment: '   ' }, token);
  t.is(empty.status, 400);
  const res = await fetch(`${h.api.url}/api/silences`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: '{"stationId":',
  });
  t.is(res.status, 400);
  t.is(((await res.json()) as { error: { status: number } }).error.status, 400);
  const missing = await h.get('/api/nothing-here', token);
  t.is(missing.status, 404);
  t.is(missing.body.error.code, 'no_route');
});

test('failed logins are limited per username and address; successes are not counted', async (t) => {
  const limited = await startHarness({ alerting: new MemoryAlerting(), influx: noInflux, env: { DASHBOARD_LOGIN_LIMIT: '3' } });
  t.teardown(() => limited.close());
  const login = (username: string, password: string) => limited.send('POST', '/api/auth/login', { username, password });
  for (let i = 0; i < 5; i++) t.is((await login('viewer', PASSWORD)).status, 200, 'successful logins are not counted');
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await login('admin', 'wrong')).status);
  t.deepEqual(statuses, [401, 401, 401, 429, 429]);
  t.is((await login('admin', PASSWORD)).body.error.code, 'rate_limited');
  // A stranger's failures for other names do not lock out a user behind the same address.
  t.is((await login('viewer', PASSWORD)).status, 200);
});

test('X-Forwarded-For is ignored unless the peer is a configured proxy: a spoofed header does not change the limit key', async (t) => {
  const limited = await startHarness({ alerting: new MemoryAlerting(), influx: noInflux, env: { DASHBOARD_LOGIN_LIMIT: '2' } });
  t.teardown(() => limited.close());
  const login = (password: string, forwardedFor?: string) =>
    fetch(`${limited.api.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
      body: JSON.stringify({ username: 'admin', password }),
    }).then((r) => r.status);
  t.is(await login('wrong'), 401);
  t.is(await login('wrong'), 401);
  t.is(await login('wrong'), 429);
  t.is(await login(PASSWORD, '203.0.113.7'), 429, 'a spoofed address is still the same key');

  // Behind a configured proxy (here: loopback), the forwarded address is the client.
  const proxied = await startHarness({
    alerting: new MemoryAlerting(),
    influx: noInflux,
    env: { DASHBOARD_LOGIN_LIMIT: '2', DASHBOARD_TRUSTED_PROXIES: '127.0.0.1, ::1' },
  });
  t.teardown(() => proxied.close());
  const viaProxy = (password: string, client: string) =>
    fetch(`${proxied.api.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      body: JSON.stringify({ username: 'admin', password }),
    }).then((r) => r.status);
  t.deepEqual([await viaProxy('wrong', '198.51.100.1'), await viaProxy('wrong', '198.51.100.1'), await viaProxy('wrong', '198.51.100.1')], [401, 401, 429]);
  t.is(await viaProxy(PASSWORD, '198.51.100.2'), 200, 'another client behind the proxy');
});

test('health, metrics, secure headers and the OpenAPI document', async (t) => {
  const health = await h.get('/healthz');
  t.is(health.body.status, 'ok');
  t.is(health.body.stations, 600);
  t.truthy(health.headers.get('content-security-policy'));
  t.is(health.headers.get('x-content-type-options'), 'nosniff');
  t.is((await h.get('/api/stations?limit=0', await h.login('viewer'))).status, 400);
  t.is((await h.get('/metrics')).status, 404, 'metrics are not public: main.ts serves them on DASHBOARD_METRICS_PORT');
  t.regex(await h.metrics.metrics(), /dashboard_http_rejected_total\{reason="invalid_request"\}/);
  const doc = await h.get('/api/openapi.json');
  t.is(doc.body.openapi, '3.0.3');
  const history = doc.body.paths['/api/stations/{id}/history'].get;
  const metric = history.parameters.find((p: { name: string }) => p.name === 'metric');
  t.true(metric.schema.enum.includes('service.open'));
  t.truthy(doc.body.paths['/api/alerts/{key}/acknowledge'].post.requestBody);
  const ui = await fetch(`${h.api.url}/api/docs/`);
  t.is(ui.status, 200);
  t.regex(await ui.text(), /swagger/i);
});

test('CORS answers only the configured origins', async (t) => {
  const open = await startHarness({
    alerting: new MemoryAlerting(),
    influx: noInflux,
    env: { DASHBOARD_CORS_ORIGINS: 'https://wall.example, https://ops.example' },
  });
  t.teardown(() => open.close());
  const preflight = (url: string, origin: string) =>
    fetch(`${url}/api/fleet/summary`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
  const allowed = await preflight(open.api.url, 'https://ops.example');
  t.is(allowed.headers.get('access-control-allow-origin'), 'https://ops.example');
  t.is((await preflight(open.api.url, 'https://evil.example')).headers.get('access-control-allow-origin'), null);
  t.is((await preflight(h.api.url, 'https://wall.example')).headers.get('access-control-allow-origin'), null);
});

test('acceptance form and navigation table export as CSV, printable HTML and GeoJSON', async (t) => {
  const admin = await h.login('admin');
  const edit = await h.send('PUT', '/api/acceptance/LC/items/9?year=2020', { score: 9, note: '<script>alert(1)</script>制度上墙' }, admin);
  t.is(edit.status, 200);
  const csv = await h.get('/api/acceptance/LC?year=2020&format=csv', admin);
  t.is(csv.status, 200);
  t.regex(csv.headers.get('content-type')!, /text\/csv/);
  t.true(csv.body.startsWith('序号,项目,考核内容'));
  const raw = new Uint8Array(await (await fetch(`${h.api.url}/api/acceptance/LC?format=csv`, { headers: { authorization: `Bearer ${admin}` } })).arrayBuffer());
  t.deepEqual([...raw.slice(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM for Excel');
  t.regex(csv.body, /合计,,100,/);
  const html = await h.get('/api/acceptance/LC?year=2020&format=html', admin);
  t.regex(html.body, /<table>/);
  t.regex(html.body, /李沧区/);
  t.false(html.body.includes('<script>'));
  t.true(html.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;制度上墙'));

  const geo = await h.get('/api/navigation?format=geojson&district=BS', admin);
  t.regex(geo.headers.get('content-type')!, /application\/geo\+json/);
  const parsed = geo.body as {
    type: string;
    coordinateSystem: string;
    features: Array<{ geometry: { coordinates: number[] }; properties: { id: string; district: string; hours: string } }>;
  };
  t.is(parsed.type, 'FeatureCollection');
  t.is(parsed.coordinateSystem, 'WGS-84');
  t.is(parsed.features.length, h.registry.inDistrict('BS').length);
  t.true(parsed.features.every((f) => f.properties.district === '保税区' && f.properties.hours.length > 0));
  const first = h.registry.get(parsed.features[0]!.properties.id)!;
  t.deepEqual(parsed.features[0]!.geometry.coordinates, [first.location.lon, first.location.lat], 'GeoJSON keeps the registry’s WGS-84');
  const nav = await h.get('/api/navigation?format=csv&district=BS', admin);
  t.true(nav.body.startsWith('编号,区市,名称,详细地址,联系人,联系电话,机构图片,纬度（GCJ-02）,经度（GCJ-02）'));
  t.regex(nav.body.split('\r\n')[1]!, /^BS-\d{4},保税区,/);
  t.is(nav.body.trim().split('\r\n').length, h.registry.inDistrict('BS').length + 1);
});
