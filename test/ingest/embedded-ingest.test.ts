import test from 'ava';
import { Registry as MetricsRegistry } from 'prom-client';
import { PLATFORM_SERIES, SERIES } from '../../domain/series.js';
import { commandTopic } from '../../domain/topics.js';
import { type EmbeddedIngest, startEmbeddedIngest } from '../../ingest/ingest.js';
import { createLogger } from '../../lib/logger.js';
import { startTestBroker } from '../helpers/broker.js';
import { withInfluxd } from '../helpers/influxd.js';
import { until } from '../helpers/poll.js';
import { metricValue, occupancyPayload, occupancyTopic, stationClient, statusTopic, tempDir } from './fixtures.js';

// The ingest inside the broker node (BROKER_INGEST=embedded): the broker hands it every publish it
// accepts, its clients' and the Last Wills it publishes, before the PUBACK; no MQTT session in between.

const fixture = withInfluxd(test);
const STATIONS = ['LS-0001', 'LS-0002'];
const logger = createLogger('test-embedded-ingest', 'silent');

test('telemetry a station publishes, and its Last Will, are written by the node; invalid telemetry is counted, other topics are not telemetry', async (t) => {
  const influx = await fixture.connect(t);
  const metrics = new MetricsRegistry();
  let ingest: EmbeddedIngest | undefined;
  const broker = await startTestBroker({
    stationIds: STATIONS,
    seededSessions: [],
    // The hook must exist before the broker accepts anything; the ingest needs the broker's registry first.
    beforePuback: (topic, payload) => ingest!.beforePuback(topic, payload),
  });
  t.teardown(() => broker.close());
  ingest = await startEmbeddedIngest({
    clientId: 'broker-node-test',
    registry: broker.registry,
    logger,
    metrics,
    influx,
    writer: { spoolDir: await tempDir(t), flushMs: 50, minRetryDelayMs: 20, maxRetryDelayMs: 50 },
    coverageTickMs: 100,
  });
  t.teardown(() => ingest!.close());

  const ts = Date.now() - 2000;
  const will = { topic: statusTopic('LS-0002'), payload: Buffer.from(JSON.stringify({ station: 'LS-0002', online: false, reason: 'lwt' })), qos: 1 as const };
  const [a, b] = await Promise.all([stationClient(broker, 'LS-0001'), stationClient(broker, 'LS-0002', { will })]);
  t.teardown(() => a.endAsync());
  await a.publishAsync(occupancyTopic('LS-0001'), JSON.stringify(occupancyPayload('LS-0001', ts, 6, 2)), { qos: 1 });
  // The PUBACK came after the feed saw it: the live state already has it.
  t.is(ingest.consumer.states.get('LS-0001')?.people, 6);
  await a.publishAsync(occupancyTopic('LS-0001'), JSON.stringify({ station: 'LS-0001', ts, people: -4 }), { qos: 1 });
  t.is(await metricValue(metrics, 'telemetry_messages_rejected_total', { reason: 'schema' }), 1);
  // A command the platform sends a station passes the same hook, and is not telemetry: the feed never sees it.
  const received = await metricValue(metrics, 'telemetry_messages_received_total');
  const alerting = await stationClient(broker, 'svc-alerting', { clientId: 'svc-alerting-embedded-test' });
  t.teardown(() => alerting.endAsync());
  await alerting.publishAsync(commandTopic('LS-0002'), JSON.stringify({ cmd: 'ping' }), { qos: 1 });
  t.is(await metricValue(metrics, 'telemetry_messages_received_total'), received);
  b.stream.destroy(); // the station drops: the broker publishes its will through the same hook

  await until(async () => (await metricValue(metrics, 'ingest_points_written_total')) >= 2);
  t.is(ingest.consumer.states.get('LS-0002')?.online, false);
  const people = await influx.query(`SELECT people FROM ${SERIES.occupancy.measurement} WHERE station = $station`, { station: 'LS-0001' });
  t.deepEqual(people, [{ time: ts, people: 6 }]);
  const status = await influx.query(`SELECT online FROM ${SERIES.status.measurement} WHERE station = $station`, { station: 'LS-0002' });
  t.deepEqual(
    status.map((r) => r.online),
    [0],
  );
  // The node claims the time it was receiving (platform_coverage, which compliance judges over).
  const coverage = `SELECT count(span_ms) FROM ${PLATFORM_SERIES.coverage.measurement} WHERE source = $source`;
  await until(async () => Number((await influx.query(coverage, { source: 'broker-node-test' }))[0]?.count ?? 0) > 0, { what: 'coverage points of the node' });
});
