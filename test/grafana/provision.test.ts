import test from 'ava';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../lib/config.js';
import { createLogger } from '../../lib/logger.js';
import { buildDashboards } from '../../grafana/dashboards/index.js';
import { INFLUX_DATASOURCE, influxDatasource } from '../../grafana/datasource.js';
import { createGrafanaApi, GrafanaError } from '../../grafana/grafana-api.js';
import { FOLDER, provision } from '../../grafana/provisioner.js';
import { provisionCommand } from '../../grafana/provision.js';
import { startFakeGrafana, type FakeGrafana, type FakeGrafanaOptions } from './fake-grafana.js';

const logger = createLogger('test-grafana-provision', 'silent');
const TOKEN = 'glsa_test_token_0123456789';
const boards = buildDashboards();
const v2 = influxDatasource({ url: 'http://influxdb:8086', database: 'stations', auth: { kind: 'v2', token: 'influx-token-abc' } });

async function fake(t: { teardown(fn: () => Promise<void>): void }, options: Partial<FakeGrafanaOptions> = {}): Promise<FakeGrafana> {
  const grafana = await startFakeGrafana({ token: TOKEN, ...options });
  t.teardown(() => grafana.close());
  return grafana;
}

const run = (grafana: FakeGrafana, overrides: { token?: string; overwrite?: boolean; url?: string } = {}) =>
  provision({
    api: createGrafanaApi({ url: overrides.url ?? grafana.url, token: overrides.token ?? TOKEN, timeoutMs: 3000 }),
    datasource: v2,
    dashboards: boards,
    overwrite: overrides.overwrite,
    logger,
  });

const writes = (grafana: FakeGrafana) => grafana.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

test('first run creates the folder, the 2.x data source and every board, with the token on every request', async (t) => {
  const grafana = await fake(t);
  const report = await run(grafana);
  t.deepEqual(grafana.violations, []);
  t.true(grafana.requests.every((r) => r.authorization === `Bearer ${TOKEN}`));
  t.is(report.folder, 'created');
  t.is(report.datasource, 'created');
  t.is(report.datasourceHealth, 'datasource is working. 5 measurements found');
  t.deepEqual(
    report.dashboards.map((d) => [d.uid, d.outcome, d.version]),
    boards.map((b) => [b.uid, 'created', 1]),
  );
  t.deepEqual(writes(grafana), ['POST /api/folders', 'POST /api/datasources', ...boards.map(() => 'POST /api/dashboards/db')]);
  t.deepEqual(grafana.folders.get(FOLDER.uid)?.title, FOLDER.title);

  const ds = grafana.datasources.get(INFLUX_DATASOURCE.uid)!;
  t.is(ds.url, 'http://influxdb:8086');
  t.is(ds.jsonData.dbName, 'stations');
  t.is(ds.jsonData.version, 'InfluxQL');
  t.is(ds.jsonData.httpHeaderName1, 'Authorization');
  t.deepEqual(ds.secureJsonData, { httpHeaderValue1: 'Token influx-token-abc' });

  const saved = grafana.requests.filter((r) => r.path === '/api/dashboards/db').map((r) => r.body as { dashboard: { uid: string; id: null }; folderUid: string; overwrite: boolean });
  t.true(saved.every((b) => b.folderUid === FOLDER.uid && b.overwrite === false && b.dashboard.id === null));
  for (const board of boards) t.like(grafana.dashboards.get(board.uid)?.dashboard, { title: board.title, panels: board.panels });
});

test('a second run is idempotent: nothing is created, unchanged boards are not written', async (t) => {
  const grafana = await fake(t);
  await run(grafana);
  const before = grafana.requests.length;
  const report = await run(grafana);
  t.deepEqual(grafana.violations, []);
  t.is(report.folder, 'unchanged');
  t.is(report.datasource, 'updated');
  t.true(report.dashboards.every((d) => d.outcome === 'unchanged' && d.version === 1));
  const second = grafana.requests.slice(before);
  t.deepEqual(
    second.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`),
    [`PUT /api/datasources/uid/${INFLUX_DATASOURCE.uid}`],
    'only the data source is written again (its secrets cannot be compared)',
  );
  t.is(grafana.datasources.size, 1);
  t.is(grafana.dashboards.size, boards.length);
});

test('a board changed in Grafana is updated with the version read; a new folder title is applied', async (t) => {
  const grafana = await fake(t);
  await run(grafana);
  const board = grafana.dashboards.get(boards[0]!.uid)!;
  board.dashboard = { ...board.dashboard, title: 'edited by hand', version: 4 };
  const report = await provision({
    api: createGrafanaApi({ url: grafana.url, token: TOKEN }),
    datasource: v2,
    dashboards: boards,
    folder: { uid: FOLDER.uid, title: 'Stations' },
    logger,
  });
  t.deepEqual(grafana.violations, []);
  t.is(report.folder, 'updated');
  t.is(grafana.folders.get(FOLDER.uid)?.title, 'Stations');
  t.like(report.dashboards[0], { outcome: 'updated', version: 5 });
  t.is(grafana.dashboards.get(boards[0]!.uid)?.dashboard.title, boards[0]!.title);
  const save = grafana.requests.filter((r) => r.path === '/api/dashboards/db').at(-1)!.body as { dashboard: { version: number }; overwrite: boolean };
  t.is(save.dashboard.version, 4);
  t.false(save.overwrite);
});

test('a version conflict (412) says what happened and how to resolve it; --force overwrites', async (t) => {
  const grafana = await fake(t);
  await run(grafana);
  const uid = boards[1]!.uid;
  const stored = grafana.dashboards.get(uid)!;
  stored.dashboard = { ...stored.dashboard, title: 'edited meanwhile' };
  const racing = await fake(t, { raceOn: uid });
  for (const [k, v] of grafana.folders) racing.folders.set(k, v);
  for (const [k, v] of grafana.dashboards) racing.dashboards.set(k, v);
  const err = await t.throwsAsync(run(racing), { instanceOf: GrafanaError });
  t.is(err?.status, 412);
  t.regex(err!.message, new RegExp(`save dashboard ${uid}: it was changed in Grafana since it was read \\(version conflict\\).*--force`));
  const report = await run(racing, { overwrite: true });
  t.like(report.dashboards[1], { uid, outcome: 'updated' });
  t.deepEqual(racing.violations, []);
});

test('a refused token (401) is a clear error and nothing is written', async (t) => {
  const grafana = await fake(t);
  const err = await t.throwsAsync(run(grafana, { token: 'wrong' }), { instanceOf: GrafanaError });
  t.is(err?.status, 401);
  t.regex(err!.message, /refused the token \(401 Unauthorized\).*service-account token/);
  t.deepEqual(writes(grafana), []);
});

test('a token without the right role (403) names the permission it lacks', async (t) => {
  const grafana = await fake(t, { forbidden: ['/api/datasources'] });
  const err = await t.throwsAsync(run(grafana), { instanceOf: GrafanaError });
  t.is(err?.status, 403);
  t.regex(err!.message, /may not create data source qdyz-influxdb \(403 Forbidden: .*datasources:create\).*Admin for data sources/);
  t.is(grafana.dashboards.size, 0);
});

test('an unreachable Grafana is reported with its URL', async (t) => {
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  const grafana = await fake(t);
  const url = `http://127.0.0.1:${port}`;
  const err = await t.throwsAsync(run(grafana, { url }), { instanceOf: GrafanaError });
  t.regex(err!.message, new RegExp(`Grafana at ${url} is not reachable \\(ECONNREFUSED\\).*--url`));
});

test('a data source failing its health check stops before the boards', async (t) => {
  const grafana = await fake(t, { healthError: 'error reading InfluxDB. Status Code: 401: unauthorized access' });
  const err = await t.throwsAsync(run(grafana), { instanceOf: GrafanaError });
  t.regex(err!.message, /data source qdyz-influxdb failed its health check: .*401: unauthorized access.*credentials/);
  t.is(grafana.datasources.size, 1);
  t.is(grafana.dashboards.size, 0);
  t.deepEqual(grafana.violations, []);
});

test('InfluxDB 1.x credentials go in user and secureJsonData.password', (t) => {
  const ds = influxDatasource({ url: 'http://127.0.0.1:8086', database: 'stations', auth: { kind: 'v1', username: 'grafana', password: 's3cret' } });
  t.is(ds.user, 'grafana');
  t.deepEqual(ds.secureJsonData, { password: 's3cret' });
  t.false('httpHeaderName1' in ds.jsonData);
  const open = influxDatasource({ url: 'http://127.0.0.1:8086', database: 'stations', auth: { kind: 'v1' } });
  t.is(open.user, undefined);
  t.is(open.secureJsonData, undefined);
});

test('the command reads flags (over the environment), provisions and prints a summary', async (t) => {
  const grafana = await fake(t);
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => out.push(chunk) > 0) as typeof process.stdout.write;
  try {
    await provisionCommand({ GRAFANA_TOKEN: 'from-env-is-overridden', INFLUX_DATABASE: 'stations' }, logger)
      .exitOverride()
      .parseAsync(['--url', grafana.url, '--token', TOKEN, '--influx-url', 'http://influx.internal:8086', '--influx-user', 'grafana', '--influx-password', 'pw'], { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  t.deepEqual(grafana.violations, []);
  const ds = grafana.datasources.get(INFLUX_DATASOURCE.uid)!;
  t.like(ds, { url: 'http://influx.internal:8086', user: 'grafana', secureJsonData: { password: 'pw' } });
  t.is(ds.jsonData.dbName, 'stations');
  const text = out.join('');
  t.regex(text, /folder +qdyz: created/);
  for (const board of boards) t.true(text.includes(`${grafana.url}/d/${board.uid}`));
});

test('the command refuses to run without a URL and a token', async (t) => {
  const err = await t.throwsAsync(provisionCommand({}, logger).exitOverride().parseAsync([], { from: 'user' }), { instanceOf: ConfigError });
  t.regex(err!.message, /GRAFANA_URL/);
  t.regex(err!.message, /GRAFANA_TOKEN/);
});
