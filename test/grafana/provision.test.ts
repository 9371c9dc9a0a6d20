import test from 'ava';
import { pino } from 'pino';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../lib/config.js';
import { createLogger } from '../../lib/logger.js';
import { buildDashboards } from '../../grafana/dashboards/index.js';
import { INFLUX_DATASOURCE, INFLUX_DATASOURCE_NAME, influxDatasource } from '../../grafana/datasource.js';
import { createGrafanaApi, GrafanaError } from '../../grafana/grafana-api.js';
import { FOLDER, provision, SOURCE_HASH_FIELD } from '../../grafana/provisioner.js';
import { provisionCommand } from '../../grafana/provision.js';
import { ProvisionConfigSchema } from '../../grafana/config.js';
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

/** A board edited and saved in Grafana's UI, which rebuilds the JSON from its own model: fields it does not know are gone. */
function editInUi(grafana: FakeGrafana, uid: string, change: Record<string, unknown>): void {
  const stored = grafana.dashboards.get(uid)!;
  const { [SOURCE_HASH_FIELD]: _ours, ...known } = stored.dashboard;
  stored.dashboard = { ...known, ...change } as typeof stored.dashboard;
}

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

  const saved = grafana.requests
    .filter((r) => r.path === '/api/dashboards/db')
    .map((r) => r.body as { dashboard: Record<string, unknown>; folderUid: string; overwrite: boolean });
  t.true(saved.every((b) => b.folderUid === FOLDER.uid && b.overwrite === false && b.dashboard.id === null));
  // Each board is sent as built, with the hash of that JSON in our own field.
  t.deepEqual(
    saved.map(({ dashboard: { [SOURCE_HASH_FIELD]: hash, ...sent } }) => [sent, typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash)]),
    boards.map((b) => [{ ...b, id: null }, true]),
  );
});

test('a second run is idempotent: nothing is created, unchanged boards are not written', async (t) => {
  const grafana = await fake(t);
  await run(grafana);
  const before = grafana.requests.length;
  // Grafana hands the boards back changed (ids, versions, defaults it fills in), not as we sent them.
  for (const board of boards) t.notDeepEqual(grafana.dashboards.get(board.uid)!.dashboard.panels, board.panels);
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
  editInUi(grafana, boards[0]!.uid, { title: 'edited by hand', version: 4 });
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
  editInUi(grafana, uid, { title: 'edited meanwhile' });
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
  // As in Grafana, /api/health needs no token: the refusal comes from the first authenticated call.
  t.is((await fetch(`${grafana.url}/api/health`)).status, 200);
  t.deepEqual(grafana.requests.map((r) => r.path).slice(0, 2), ['/api/health', `/api/folders/${FOLDER.uid}`]);
});

test('a data source the Grafana provisions from a file (read-only) is reported as such, not as a missing role', async (t) => {
  const grafana = await fake(t, { readOnlyDatasources: [INFLUX_DATASOURCE.uid] });
  grafana.seedDatasource(v2);
  const err = await t.throwsAsync(run(grafana), { instanceOf: GrafanaError });
  t.is(err?.status, 403);
  t.regex(
    err!.message,
    /^Grafana refused to update data source qdyz-influxdb: that Grafana provisions data source qdyz-influxdb from a file \(403: Cannot update read-only data source\), so only the file changes it: .*grafana\/provisioning\/datasources\/influxdb\.yaml/,
  );
  t.notRegex(err!.message, /Admin|role/);
  t.is(grafana.dashboards.size, 0);
  t.deepEqual(grafana.violations, []);
});

test('a board the Grafana provisions from files says the files rule it', async (t) => {
  const grafana = await fake(t, { provisionedDashboards: [boards[0]!.uid] });
  const err = await t.throwsAsync(run(grafana), { instanceOf: GrafanaError });
  t.is(err?.status, 400);
  t.regex(
    err!.message,
    new RegExp(
      `^Grafana refused to save dashboard ${boards[0]!.uid}: that Grafana provisions dashboard ${boards[0]!.uid} from files \\(400: Cannot save provisioned dashboard\\).*npm run grafana:generate.*remove that dashboard provider`,
    ),
  );
  t.deepEqual(grafana.violations, []);
});

test('a data source holding our name under another uid (409) says which and what to do', async (t) => {
  const grafana = await fake(t);
  grafana.seedDatasource({ ...v2, uid: 'made-by-hand' });
  const err = await t.throwsAsync(run(grafana), { instanceOf: GrafanaError });
  t.is(err?.status, 409);
  t.regex(
    err!.message,
    new RegExp(
      `^Grafana refused to create data source ${INFLUX_DATASOURCE.uid}: a data source named "${INFLUX_DATASOURCE_NAME}" already exists with another uid \\(409: data source with the same name already exists\\); the boards query uid ${INFLUX_DATASOURCE.uid}, so rename or delete that data source`,
    ),
  );
  t.deepEqual(grafana.violations, []);
});

test('another board with the same title in the folder (412 name-exists) is named, without offering --force', async (t) => {
  const grafana = await fake(t);
  await run(grafana);
  const { uid, title } = boards[0]!;
  const stored = grafana.dashboards.get(uid)!;
  grafana.dashboards.delete(uid);
  grafana.dashboards.set('made-by-hand', { ...stored, dashboard: { ...stored.dashboard, uid: 'made-by-hand' } });
  const err = await t.throwsAsync(run(grafana), { instanceOf: GrafanaError });
  t.is(err?.status, 412);
  t.is(
    err!.message,
    `Grafana refused to save dashboard ${uid}: another dashboard in folder ${FOLDER.uid} already has the title "${title}" (412: A dashboard with the same name in the folder already exists); rename, move or delete that one in Grafana and rerun`,
  );
  t.deepEqual(grafana.violations, []);
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
  await provisionCommand({ GRAFANA_TOKEN: 'from-env-is-overridden', INFLUX_DATABASE: 'stations' }, logger, (text) => out.push(text))
    .exitOverride()
    .parseAsync(
      ['--url', grafana.url, '--token', TOKEN, '--influx-url', 'http://influx.internal:8086', '--influx-user', 'grafana', '--influx-password', 'pw'],
      { from: 'user' },
    );
  t.deepEqual(grafana.violations, []);
  const ds = grafana.datasources.get(INFLUX_DATASOURCE.uid)!;
  t.like(ds, { url: 'http://influx.internal:8086', user: 'grafana', secureJsonData: { password: 'pw' } });
  t.is(ds.jsonData.dbName, 'stations');
  const text = out.join('');
  t.regex(text, /folder +qdyz: created/);
  for (const board of boards) t.true(text.includes(`${grafana.url}/d/${board.uid}`));
});

/** Runs the command with these flags and environment, capturing its log lines. */
async function runCommand(grafana: FakeGrafana, env: Record<string, string>, args: string[]): Promise<Array<Record<string, unknown>>> {
  const lines: Array<Record<string, unknown>> = [];
  const capture = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  await provisionCommand({ INFLUX_DATABASE: 'stations', ...env }, capture, () => {})
    .exitOverride()
    .parseAsync(['--url', grafana.url, '--token', TOKEN, ...args], { from: 'user' });
  return lines;
}

test('1.x flags beat an INFLUX_TOKEN in the environment, and the log says so', async (t) => {
  const grafana = await fake(t);
  const lines = await runCommand(grafana, { INFLUX_TOKEN: 'shared-service-token' }, ['--influx-user', 'grafana', '--influx-password', 'pw']);
  t.deepEqual(grafana.violations, []);
  const ds = grafana.datasources.get(INFLUX_DATASOURCE.uid)!;
  t.like(ds, { user: 'grafana', secureJsonData: { password: 'pw' } });
  t.false('httpHeaderName1' in ds.jsonData, 'no 2.x token header');
  t.true(lines.some((l) => l.level === 40 && /using --influx-user, --influx-password, ignoring INFLUX_TOKEN from the environment/.test(String(l.msg))));
});

test('a --influx-token flag beats 1.x credentials in the environment', async (t) => {
  const grafana = await fake(t);
  await runCommand(grafana, { INFLUX_USERNAME: 'grafana', INFLUX_PASSWORD: 'pw' }, ['--influx-token', 'tok']);
  const ds = grafana.datasources.get(INFLUX_DATASOURCE.uid)!;
  t.is(ds.user, undefined);
  t.deepEqual(ds.secureJsonData, { httpHeaderValue1: 'Token tok' });
});

test('a 2.x token and 1.x credentials from the same source are refused before anything is sent', async (t) => {
  const grafana = await fake(t);
  const flags = await t.throwsAsync(runCommand(grafana, {}, ['--influx-token', 'tok', '--influx-user', 'grafana']), { instanceOf: ConfigError });
  t.regex(
    flags!.message,
    /both an InfluxDB 2\.x token \(--influx-token\) and 1\.x credentials \(--influx-user\) are given: give --influx-token for InfluxDB 2\.x, or --influx-user and --influx-password for 1\.x, not both/,
  );
  const env = await t.throwsAsync(runCommand(grafana, { INFLUX_TOKEN: 'tok', INFLUX_PASSWORD: 'pw' }, []), { instanceOf: ConfigError });
  t.regex(env!.message, /INFLUX_TOKEN from the environment\) and 1\.x credentials \(INFLUX_PASSWORD from the environment\)/);
  t.deepEqual(grafana.requests, []);
});

test('every setting has a flag, and its help names the environment variable', (t) => {
  const command = provisionCommand({}, logger);
  const help = command.helpInformation();
  for (const name of Object.keys(ProvisionConfigSchema.shape)) t.regex(help, new RegExp(`\\[${name}\\]`), name);
  t.is(command.options.length, Object.keys(ProvisionConfigSchema.shape).length);
});

test('the command refuses to run without a URL and a token', async (t) => {
  const err = await t.throwsAsync(provisionCommand({}, logger).exitOverride().parseAsync([], { from: 'user' }), { instanceOf: ConfigError });
  t.regex(err!.message, /GRAFANA_URL/);
  t.regex(err!.message, /GRAFANA_TOKEN/);
});
