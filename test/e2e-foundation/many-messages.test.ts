import test from 'ava';
import { Registry as MetricsRegistry } from 'prom-client';
import { SERIES } from '../../domain/series.js';
import { startIngest } from '../../ingest/ingest.js';
import { createLogger } from '../../lib/logger.js';
import { startTestBroker } from '../helpers/broker.js';
import { withInfluxd } from '../helpers/influxd.js';
import { metricValue, occupancyPayload, occupancyTopic, stationClient, tempDir } from '../ingest/fixtures.js';
import { until } from '../helpers/poll.js';

const fixture = withInfluxd(test);
const logger = createLogger('test-e2e-many', 'silent');

test('many QoS 1 messages from several stations at once are all persisted', async (t) => {
  const stations = ['SN-0001', 'SN-0002', 'SB-0001', 'SB-0002', 'LC-0001', 'LC-0002', 'LS-0001', 'CY-0001'];
  const perStation = 500;
  const broker = await startTestBroker({ stationIds: stations });
  t.teardown(() => broker.close());
  const influx = await fixture.connect(t);
  const spoolDir = await tempDir(t);
  const metrics = new MetricsRegistry();
  const ingest = await startIngest({
    mqttUrl: broker.url,
    username: 'svc-ingest',
    password: broker.credentials['svc-ingest']!,
    clientId: 'svc-ingest-many',
    registry: broker.registry,
    logger,
    metrics,
    influx,
    writer: { spoolDir, batchSize: 500, flushMs: 100 },
  });
  t.teardown(() => ingest.close());

  const t0 = Date.now() - 3_600_000;
  const started = performance.now();
  await Promise.all(
    stations.map(async (id) => {
      const client = await stationClient(broker, id);
      await Promise.all(
        Array.from({ length: perStation }, (_, i) =>
          client.publishAsync(occupancyTopic(id), JSON.stringify(occupancyPayload(id, t0 + i * 1000, i % 10, i)), { qos: 1 }),
        ),
      );
      await client.endAsync();
    }),
  );
  const total = stations.length * perStation;
  await until(async () => (await metricValue(metrics, 'ingest_points_written_total')) >= total, 30_000);
  t.log(`${total} messages published and written in ${Math.round(performance.now() - started)} ms`);

  const counts = await influx.query(`SELECT count(entries) FROM ${SERIES.occupancy.measurement} GROUP BY station`);
  t.deepEqual(Object.fromEntries(counts.map((r) => [r.station, r.count])), Object.fromEntries(stations.map((id) => [id, perStation])));
  t.is(await metricValue(metrics, 'ingest_points_spooled_total'), 0);
});
