import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERIES, TAGS } from '../../domain/series.js';
import { PROJECT_ROOT } from '../../lib/paths.js';

// Issue 2's first "done when": the one-command platform has data from all 600 stations in InfluxDB
// within 60 seconds, proven by an InfluxQL count by station, and Ctrl-C stops it cleanly.
test('the all-in-one platform gets all 600 stations into InfluxDB within 60 s and stops cleanly on SIGINT', async (t) => {
  t.timeout(150_000);
  const dir = mkdtempSync(join(tmpdir(), 'platform-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string) => join(dir, name);
  const child = spawn(process.execPath, ['--import', 'tsx', 'platform/main.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      SIM_FILL_MAX_HOURS: '1',
      MQTT_PORT: '0',
      MQTT_WS_PORT: '0',
      DASHBOARD_PORT: '0',
      PLATFORM_METRICS_PORT: '0',
      PLATFORM_INFLUXD_PORT: '0',
      PLATFORM_INFLUXD_DIR: at('influxdb'),
      BROKER_ACCOUNTS_FILE: at('accounts.json'),
      DEV_CREDENTIALS_FILE: at('dev-credentials.json'),
      DASHBOARD_USERS_FILE: at('users.json'),
      DASHBOARD_AUDIT_FILE: at('audit.jsonl'),
      DASHBOARD_ACCEPTANCE_FILE: at('acceptance.json'),
      INGEST_SPOOL_DIR: at('spool-ingest'),
      ALERTING_SPOOL_DIR: at('spool-alerting'),
      ALERTING_REPORTS_DIR: at('reports'),
      ALERTING_NOTIFICATIONS_FILE: at('none.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => child.kill('SIGKILL'));

  const started = Date.now();
  let influxUrl: string | undefined;
  while (!influxUrl && Date.now() - started < 60_000) {
    influxUrl = /InfluxDB .*?(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    await new Promise((r) => setTimeout(r, 200));
  }
  t.truthy(influxUrl, `no banner printed:\n${out}`);
  t.regex(out, /Dashboard .*http:\/\/localhost:\d+\//);

  const countStations = async (): Promise<number> => {
    const q = `SELECT count("online") FROM "${SERIES.status.measurement}" GROUP BY "${TAGS.station}"`;
    const res = await fetch(`${influxUrl}/query?db=stations&q=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { results: Array<{ series?: unknown[] }> };
    return body.results[0]?.series?.length ?? 0;
  };
  let stations = 0;
  while (Date.now() - started < 60_000) {
    stations = await countStations();
    if (stations === 600) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  t.is(stations, 600, `stations with data after ${Math.round((Date.now() - started) / 1000)} s`);
  t.log(`600 stations in InfluxDB ${((Date.now() - started) / 1000).toFixed(1)} s after start`);

  // Before the live fleet, today so far (at most the last hour here) was replayed through the pipeline.
  const replayedFrom = /today since (\S+) replayed first: (\d+) messages/.exec(out);
  const sinceMidnight = (Date.now() + 8 * 3600_000) % 86_400_000;
  if (sinceMidnight > 15 * 60_000) {
    t.truthy(replayedFrom, 'a fresh start replays today so far');
    const earliest = await fetch(`${influxUrl}/query?db=stations&epoch=ms&q=${encodeURIComponent(`SELECT first("online") FROM "${SERIES.status.measurement}"`)}`);
    const first = ((await earliest.json()) as { results: Array<{ series: Array<{ values: number[][] }> }> }).results[0]!.series[0]!.values[0]![0]!;
    t.true(first <= started - 10 * 60_000, 'history older than the start is in InfluxDB');
    t.true(Number(replayedFrom![2]) > 600, 'every station replayed something');
  }

  child.kill('SIGINT');
  t.is(await exited, 0, out.slice(-2000));
  const errors = out.split('\n').filter((line) => /"level":(50|60)/.test(line));
  t.deepEqual(errors, [], 'no error was logged from start to stop');
});
