import test from 'ava';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ALERTING_SERIES } from '../../domain/series.js';
import { telemetryTopic } from '../../domain/topics.js';
import { connectInflux } from '../../lib/influx/client.js';
import { projectPath } from '../../lib/paths.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { startTestBroker } from '../helpers/broker.js';
import { withInfluxd } from '../helpers/influxd.js';
import { statusPayload, stationClient, statusTopic, tempDir } from '../ingest/fixtures.js';
import { until } from '../helpers/poll.js';
import { logger } from './harness.js';
import { startHttpReceiver, writeDistrictWebhooks } from './receivers.js';

const fixture = withInfluxd(test);

test('the standalone alerting service judges live telemetry, notifies the district, and SIGTERM stores its state before exiting 0', async (t) => {
  const ids = ['SN-0001', 'SB-0001'];
  const full = loadRegistryFile();
  const broker = await startTestBroker({ registry: full, stationIds: ids });
  t.teardown(() => broker.close());
  const receiver = await startHttpReceiver();
  t.teardown(() => receiver.close());
  const dir = await tempDir(t);
  const registryFile = join(dir, 'stations.json');
  writeFileSync(registryFile, JSON.stringify({ version: 1, stations: ids.map((id) => full.get(id)) }));
  const notificationsFile = writeDistrictWebhooks(dir, receiver);
  const database = fixture.newDatabase('alerting_main');

  const child = spawn(process.execPath, ['--import', 'tsx', projectPath('alerting/main.ts')], {
    cwd: projectPath(),
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      MQTT_URL: broker.url,
      ALERTING_MQTT_PASSWORD: broker.credentials['svc-alerting'],
      ALERTING_MQTT_CLIENT_ID: `svc-alerting-main-${process.pid}`,
      INFLUX_URL: fixture.influxd().url,
      INFLUX_DATABASE: database,
      REGISTRY_FILE: registryFile,
      ALERTING_NOTIFICATIONS_FILE: notificationsFile,
      DATABASE_URL: `sqlite:${join(dir, 'platform.db')}`,
      ALERTING_SPOOL_DIR: join(dir, 'spool'),
      ALERTING_REPORTS_DIR: join(dir, 'reports'),
      ALERTING_CRON: 'false',
      ALERTING_METRICS_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => void child.kill('SIGKILL'));
  const events: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line));
    } catch {
      // not a log line
    }
  });
  await until(() => events.some((e) => e.event === 'started'), 30_000);
  const port = events.find((e) => e.event === 'started')!.metricsPort as number;

  const station = await stationClient(broker, 'SN-0001');
  const ts = Date.now() - 1000;
  await station.publishAsync(statusTopic('SN-0001'), JSON.stringify(statusPayload('SN-0001', ts)), { qos: 1 });
  const fault = { station: 'SN-0001', ts, appliance: 'microwave', on: false, powerW: 0, faultCode: 'E21' };
  await station.publishAsync(telemetryTopic({ stationId: 'SN-0001', channel: 'appliance', appliance: 'microwave' }), JSON.stringify(fault), { qos: 1 });
  await station.endAsync();

  // groupWaitS is 10 in config/rules.json.
  await until(() => receiver.received.some((r) => r.path === '/hook/SN'), 20_000);
  const sent = receiver.received.find((r) => r.path === '/hook/SN')!;
  t.true(sent.body.events.some((e: { kind: string; alert: { key: string } }) => e.kind === 'firing' && e.alert.key === 'SN-0001:appliance_fault'));
  t.false(receiver.received.some((r) => r.path === '/hook/SB' && r.body.events.some((e: { alert: { district: string } }) => e.alert.district === 'SN')));
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  t.regex(metrics, /alert_transitions_total\{[^}]*rule="appliance_fault"[^}]*to="firing"[^}]*\} 1/);

  child.kill('SIGTERM');
  t.is(await exited, 0);
  const influx = await connectInflux({ url: fixture.influxd().url, database }, logger);
  t.teardown(() => influx.close());
  const rows = await influx.query(`SELECT "state" FROM "${ALERTING_SERIES.alertTransition.measurement}" WHERE "rule" = $rule`, { rule: 'appliance_fault' });
  t.deepEqual(
    rows.map((r) => r.state),
    ['firing'],
  );
  t.true(events.some((e) => e.event === 'shutdown'));
});
