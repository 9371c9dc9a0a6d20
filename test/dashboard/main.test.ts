import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '../../lib/paths.js';
import { startTestBroker } from '../helpers/broker.js';
import { withPostgres } from '../helpers/database.js';
import { withInfluxd } from '../helpers/influxd.js';

const fixture = withInfluxd(test);
const pg = withPostgres(test);

test('the standalone dashboard starts from env on PostgreSQL, imports an old audit log, serves the app and API with generated dev users, and stops cleanly on SIGTERM', async (t) => {
  // The app is served from the default DASHBOARD_WEB_DIR (dist/dashboard-web), built by `npm test`'s pretest.
  if (!existsSync(projectPath('dist/dashboard-web/index.html')))
    execFileSync('npx', ['vite', 'build', '--config', 'dashboard-api/web/vite.config.ts', '--logLevel', 'warn'], { cwd: projectPath(), stdio: 'inherit' });
  const broker = await startTestBroker({ stationIds: ['SN-0001'] });
  const dir = mkdtempSync(join(tmpdir(), 'dash-main-'));
  t.teardown(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // An audit log from before the database: imported on start.
  const old = {
    at: 1_700_000_000_000,
    user: 'maint-sn',
    role: 'district-maintainer',
    action: 'acknowledge',
    district: 'SN',
    target: 'SN-0001:station_offline',
  };
  writeFileSync(join(dir, 'audit.jsonl'), `${JSON.stringify(old)}\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', projectPath('dashboard-api/main.ts')], {
    cwd: projectPath(),
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      DASHBOARD_PORT: '0',
      DASHBOARD_HOST: '127.0.0.1',
      DATABASE_URL: await pg.newDatabaseUrl(),
      DASHBOARD_METRICS_PORT: '0',
      DASHBOARD_USERS_FILE: join(dir, 'users.json'),
      DASHBOARD_AUDIT_FILE: join(dir, 'audit.jsonl'),
      DASHBOARD_ACCEPTANCE_FILE: join(dir, 'acceptance.json'),
      INFLUX_URL: fixture.influxd().url,
      INFLUX_DATABASE: fixture.newDatabase('dashmain'),
      MQTT_URL: broker.url,
      DASHBOARD_MQTT_CLIENT_ID: `svc-dashboard-${process.pid}`,
      DEV_CREDENTIALS_FILE: join(broker.dir, 'dev-credentials.json'),
      ALERTING_SPOOL_DIR: join(dir, 'spool'),
      ALERTING_REPORTS_DIR: join(dir, 'reports'),
      ALERTING_NOTIFICATIONS_FILE: join(dir, 'none.json'),
      ALERTING_CRON: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => void child.kill('SIGKILL'));
  let out = '';
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start line in 60 s:\n${out}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"msg":"dashboard on (http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
  t.regex(out, /generated dev users/);

  t.is(((await (await fetch(`${url}/healthz`)).json()) as { status: string }).status, 'ok');
  const app = await fetch(`${url}/`);
  t.is(app.status, 200);
  t.regex(app.headers.get('content-type') ?? '', /text\/html/);
  const html = await app.text();
  t.regex(html, /<title>青岛智能户外劳动者驿站监测<\/title>/);
  t.regex(html, /<div id="app"><\/div>/);
  const script = /<script type="module"[^>]* src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
  t.truthy(script, html);
  t.is((await fetch(`${url}/${script}`)).status, 200);
  const passwords = JSON.parse(readFileSync(join(dir, 'users.passwords.json'), 'utf8')) as Record<string, string>;
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'maint-sn', password: passwords['maint-sn'] }),
  });
  t.is(login.status, 200);
  const { token } = (await login.json()) as { token: string };
  t.deepEqual(await (await fetch(`${url}/api/audit`, { headers: { authorization: `Bearer ${token}` } })).json(), [old]);
  const summary = (await (await fetch(`${url}/api/fleet/summary`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    districts: Array<{ code: string; registered: number }>;
  };
  t.deepEqual(
    summary.districts.map((d) => [d.code, d.registered]),
    [['SN', 57]],
  );
  t.is((await fetch(`${url}/metrics`)).status, 404, 'not on the public port');
  const metricsPort = /"metricsPort":(\d+)/.exec(out)?.[1];
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  t.regex(metrics, /dashboard_sockets_connected/);
  t.regex(metrics, /service="dashboard-api"/);

  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  t.is(await exit, 0);
});
