import test from 'ava';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SERIES } from '../../domain/series.js';
import { connectInflux } from '../../lib/influx/client.js';
import { createLogger } from '../../lib/logger.js';
import { projectPath } from '../../lib/paths.js';
import { startTestBroker } from '../helpers/broker.js';
import { withInfluxd } from '../helpers/influxd.js';
import { occupancyPayload, occupancyTopic, stationClient, tempDir } from '../ingest/fixtures.js';
import { until } from '../helpers/poll.js';

const fixture = withInfluxd(test);

test('the standalone ingest creates its database, and SIGTERM flushes buffered points before it exits 0', async (t) => {
  const broker = await startTestBroker({ stationIds: ['JM-0001'] });
  t.teardown(() => broker.close());
  const spoolDir = await tempDir(t);
  const database = fixture.newDatabase('main');

  const child = spawn(process.execPath, ['--import', 'tsx', projectPath('ingest/main.ts')], {
    cwd: projectPath(),
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      MQTT_URL: broker.url,
      INGEST_MQTT_PASSWORD: broker.credentials['svc-ingest'],
      INGEST_MQTT_CLIENT_ID: 'svc-ingest-main',
      INFLUX_URL: fixture.influxd().url,
      INFLUX_DATABASE: database,
      INFLUX_RETENTION: '400d',
      // Long enough that only the shutdown flush can write the point.
      INGEST_FLUSH_MS: '60000',
      INGEST_SPOOL_DIR: spoolDir,
      INGEST_METRICS_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const events: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line));
    } catch {
      // not a log line
    }
  });
  await until(() => events.some((e) => e.event === 'metrics_listening'), 20_000);
  const port = events.find((e) => e.event === 'metrics_listening')!.port as number;

  const ts = Date.now() - 5000;
  const station = await stationClient(broker, 'JM-0001');
  await station.publishAsync(occupancyTopic('JM-0001'), JSON.stringify(occupancyPayload('JM-0001', ts, 4, 4)), { qos: 1 });
  await station.endAsync();
  const metricsText = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  await until(async () => /^telemetry_messages_accepted_total(\{[^}]*\})? 1$/m.test(await metricsText()));

  const influx = await connectInflux({ url: fixture.influxd().url, database }, createLogger('test', 'silent'));
  t.teardown(() => influx.close());
  // The database is created as soon as InfluxDB answers (the ingest also starts without it).
  await until(async () => (await influx.query('SHOW DATABASES')).some((d) => d.name === database));
  t.deepEqual(await influx.query(`SELECT people FROM ${SERIES.occupancy.measurement}`), [], 'still buffered');
  child.kill('SIGTERM');
  t.is(await exited, 0);
  t.deepEqual(await influx.query(`SELECT people FROM ${SERIES.occupancy.measurement}`), [{ time: ts, people: 4 }]);
  const policy = await influx.query(`SHOW RETENTION POLICIES ON "${database}"`);
  t.is(policy[0]?.duration, '9600h0m0s');
  t.true(events.some((e) => e.event === 'ingest_stopped'));
});
