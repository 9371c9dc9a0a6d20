import test from 'ava';
import { Registry as MetricsRegistry } from 'prom-client';
import { PLATFORM_SERIES, SERIES } from '../../domain/series.js';
import { STORE_AND_FORWARD_HORIZON_MS } from '../../domain/telemetry.js';
import { startIngest, type Ingest } from '../../ingest/ingest.js';
import { connectInflux, type Influx } from '../../lib/influx/client.js';
import { startPrivateInfluxd } from '../../lib/influx/private-influxd.js';
import { createLogger } from '../../lib/logger.js';
import { coveredIntervals } from '../../rules/coverage.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { withInfluxd } from '../helpers/influxd.js';
import { fridgePayload, fridgeTopic, metricValue, occupancyPayload, occupancyTopic, stationClient, statusTopic, tempDir } from './fixtures.js';
import { until } from '../helpers/poll.js';

const fixture = withInfluxd(test);
const STATIONS = ['LS-0001', 'LS-0002', 'CY-0001'];
let broker: TestBroker;
test.before(async () => {
  broker = await startTestBroker({ stationIds: STATIONS });
});
test.after.always(() => broker?.close());

const logger = createLogger('test-ingest', 'silent');
let seq = 0;

async function ingestInto(
  t: { teardown(fn: () => Promise<void>): void },
  influx: Influx,
  spoolDir: string,
  metrics = new MetricsRegistry(),
  maxAgeMs?: number,
): Promise<Ingest> {
  const ingest = await startIngest({
    mqttUrl: broker.url,
    username: 'svc-ingest',
    password: broker.credentials['svc-ingest']!,
    clientId: `svc-ingest-t${process.pid}-${seq++}`,
    registry: broker.registry,
    logger,
    metrics,
    influx,
    writer: { spoolDir, flushMs: 50, minRetryDelayMs: 20, maxRetryDelayMs: 50 },
    maxAgeMs,
  });
  t.teardown(() => ingest.close());
  return ingest;
}

test.serial('accepted telemetry lands in InfluxDB as typed points with station and district tags', async (t) => {
  const influx = await fixture.connect(t);
  const metrics = new MetricsRegistry();
  await ingestInto(t, influx, await tempDir(t), metrics);

  const station = await stationClient(broker, 'LS-0001');
  t.teardown(() => station.endAsync());
  const ts = Date.now() - 2000;
  await station.publishAsync(fridgeTopic('LS-0001'), JSON.stringify(fridgePayload('LS-0001', ts, 3.5)), { qos: 1 });
  await station.publishAsync(occupancyTopic('LS-0001'), JSON.stringify(occupancyPayload('LS-0001', ts, 6, 2)), { qos: 1 });
  await until(async () => (await metricValue(metrics, 'ingest_points_written_total')) >= 2);

  const fridge = await influx.query(`SELECT * FROM ${SERIES.appliance.measurement} WHERE station = $station`, { station: 'LS-0001' });
  t.deepEqual(fridge, [{ time: ts, appliance: 'fridge', district: 'LS', fault: 0, fault_code: '', on: 1, power_w: 85.5, station: 'LS-0001', temp_c: 3.5 }]);
  const people = await influx.query(`SELECT people, entries FROM ${SERIES.occupancy.measurement} WHERE station = $station`, { station: 'LS-0001' });
  t.deepEqual(people, [{ time: ts, people: 6, entries: 2 }]);
  const text = await metrics.metrics();
  t.regex(text, /^ingest_lag_seconds_count 2$/m);
  t.regex(text, /^ingest_lag_seconds_bucket\{le="1"\} 0$/m, 'published 2 s after the sample time');
  t.regex(text, /^ingest_batch_write_seconds_count\{outcome="ok"\} [1-9]/m);
  t.regex(text, /^telemetry_messages_accepted_total 2$/m);
});

test.serial(
  'live samples older than the horizon are not written (counted); points not newer than their series are counted as possible overwrites',
  async (t) => {
    const influx = await fixture.connect(t);
    const metrics = new MetricsRegistry();
    await ingestInto(t, influx, await tempDir(t), metrics, STORE_AND_FORWARD_HORIZON_MS);
    const station = await stationClient(broker, 'CY-0001');
    t.teardown(() => station.endAsync());
    const send = (ts: number, people: number) =>
      station.publishAsync(occupancyTopic('CY-0001'), JSON.stringify(occupancyPayload('CY-0001', ts, people, 0)), { qos: 1 });
    const now = Date.now();
    const ancient = now - 30 * 86_400_000;
    await send(now - 1000, 1);
    await send(ancient, 9); // a rewrite of a month-old point
    await send(now - 86_400_000, 2); // a day late: within the horizon, written, but older than the series' newest
    await send(now - 1000, 3); // the same time again: overwrites the first point
    await until(async () => (await metricValue(metrics, 'ingest_points_written_total')) >= 3);
    t.is(await metricValue(metrics, 'ingest_messages_not_written_total', { reason: 'too_old' }), 1);
    t.is(await metricValue(metrics, 'ingest_possible_overwrites_total', { measurement: SERIES.occupancy.measurement }), 2);
    const rows = await influx.query(`SELECT people FROM ${SERIES.occupancy.measurement} WHERE station = $station`, { station: 'CY-0001' });
    t.deepEqual(rows, [
      { time: now - 86_400_000, people: 2 },
      { time: now - 1000, people: 3 },
    ]);

    // An ingest without a bound (the explicit backfill path) takes the old sample.
    const backfillMetrics = new MetricsRegistry();
    await ingestInto(t, influx, await tempDir(t), backfillMetrics, 0);
    await send(ancient, 9);
    await until(async () => (await metricValue(backfillMetrics, 'ingest_points_written_total')) >= 1);
    const old = await influx.query(`SELECT people FROM ${SERIES.occupancy.measurement} WHERE station = $station AND time < $to`, {
      station: 'CY-0001',
      to: new Date(now - 2 * 86_400_000).toISOString(),
    });
    t.deepEqual(old, [{ time: ancient, people: 9 }]);
  },
);

test.serial('a retained Last Will replayed at start is not written; the live one is', async (t) => {
  const influx = await fixture.connect(t);
  const metrics = new MetricsRegistry();
  const ingest = await ingestInto(t, influx, await tempDir(t), metrics);

  // Live: the station drops while the ingest is subscribed → one offline point at the receive time.
  const will = {
    topic: statusTopic('LS-0002'),
    payload: Buffer.from(JSON.stringify({ station: 'LS-0002', online: false, reason: 'lwt' })),
    qos: 1 as const,
    retain: true,
  };
  const station = await stationClient(broker, 'LS-0002', { will });
  station.stream.destroy();
  await until(async () => (await metricValue(metrics, 'ingest_points_written_total')) >= 1);
  t.is(ingest.consumer.states.get('LS-0002')?.online, false);

  // Restart: the retained will comes back on subscribe, and must not add a second point.
  const replayMetrics = new MetricsRegistry();
  const again = await ingestInto(t, influx, await tempDir(t), replayMetrics);
  await until(async () => (await metricValue(replayMetrics, 'ingest_messages_not_written_total', { reason: 'retained_will' })) >= 1);
  t.is(again.consumer.states.get('LS-0002')?.online, false);
  await again.writer.flush();
  const rows = await influx.query(`SELECT online FROM ${SERIES.status.measurement} WHERE station = $station`, { station: 'LS-0002' });
  t.is(rows.length, 1);
  t.is(rows[0]?.online, 0);
});

test.serial('points accepted while InfluxDB is down stay in the write-ahead log and are written by the next ingest', async (t) => {
  const server = await startPrivateInfluxd();
  t.teardown(() => server.stop());
  const spoolDir = await tempDir(t);
  const config = { url: server.url, database: 'outage', connectTimeoutMs: 10_000 };
  const influx = await connectInflux(config, logger);
  await influx.ensureDatabase();
  const metrics = new MetricsRegistry();
  const ingest = await ingestInto(t, influx, spoolDir, metrics);
  const linkedBy = Date.now();
  await server.stop();

  const station = await stationClient(broker, 'CY-0001');
  t.teardown(() => station.endAsync());
  const t0 = Date.now() - 60_000;
  for (let i = 0; i < 50; i++)
    await station.publishAsync(occupancyTopic('CY-0001'), JSON.stringify(occupancyPayload('CY-0001', t0 + i * 100, i % 9, i)), { qos: 1 });
  // Counted by the log itself: the accepted-message counter also counts retained messages other tests left.
  await until(async () => (await metricValue(metrics, 'ingest_wal_points_appended_total')) >= 50);
  const stopping = Date.now();
  await ingest.close();
  await influx.close();
  t.is(await metricValue(metrics, 'ingest_wal_points_appended_total'), 50, 'the coverage heartbeat is not in the telemetry log');
  t.is(await metricValue(metrics, 'ingest_points_written_total'), 0);
  t.true((await metricValue(metrics, 'ingest_write_failures_total')) >= 1);

  const restarted = await startPrivateInfluxd({ port: server.port });
  t.teardown(() => restarted.stop());
  const influx2 = await connectInflux(config, logger);
  t.teardown(() => influx2.close());
  await influx2.ensureDatabase();
  const metrics2 = new MetricsRegistry();
  await ingestInto(t, influx2, spoolDir, metrics2);
  await until(async () => (await metricValue(metrics2, 'ingest_points_replayed_total')) >= 50);
  const count = await influx2.query(`SELECT count(entries) FROM ${SERIES.occupancy.measurement} WHERE station = $station`, { station: 'CY-0001' });
  t.is(count[0]?.count, 50);
  // The coverage heartbeat's own log (<spool>/coverage/) kept the first ingest's claim through the outage.
  await until(
    async () => {
      const rows = await influx2.query(`SELECT "span_ms" FROM ${PLATFORM_SERIES.coverage.measurement} WHERE time <= $to`, {
        to: new Date(Date.now()).toISOString(),
      });
      const covered = coveredIntervals(
        rows.map((r) => ({ end: Number(r.time), spanMs: Number(r.span_ms) })),
        0,
        Date.now(),
      );
      return covered.some(([s, e]) => s <= linkedBy && e >= stopping);
    },
    { timeoutMs: 10_000, what: 'the first ingest’s coverage, written from its log by the next' },
  );
});

test.serial('while it receives, the ingest writes its coverage heartbeat (not counted as telemetry), and the last span when it stops', async (t) => {
  const influx = await fixture.connect(t);
  const metrics = new MetricsRegistry();
  const clientId = `svc-ingest-coverage-${process.pid}`;
  const before = Date.now();
  const ingest = await startIngest({
    mqttUrl: broker.url,
    username: 'svc-ingest',
    password: broker.credentials['svc-ingest']!,
    clientId,
    registry: broker.registry,
    logger,
    metrics,
    influx,
    writer: { spoolDir: await tempDir(t), flushMs: 50 },
    coverageTickMs: 50,
  });
  const linkedBy = Date.now();
  const m = PLATFORM_SERIES.coverage.measurement;
  await until(async () => Number((await influx.query(`SELECT count("span_ms") FROM "${m}"`))[0]?.count ?? 0) >= 3, {
    timeoutMs: 10_000,
    what: 'three coverage points',
  });
  const closing = Date.now();
  await ingest.close();
  const closed = Date.now();
  const rows = await influx.query(`SELECT "span_ms", "source" FROM "${m}"`);
  t.true(
    rows.every((r) => r.source === clientId),
    'tagged with the ingest client id',
  );
  const covered = coveredIntervals(
    rows.map((r) => ({ end: Number(r.time), spanMs: Number(r.span_ms) })),
    0,
    Number.MAX_SAFE_INTEGER,
  );
  t.is(covered.length, 1, `one unbroken stretch: ${JSON.stringify(covered)}`);
  const [start, end] = covered[0]!;
  t.true(start >= before && start <= linkedBy, 'from when it subscribed');
  t.true(end >= closing && end <= closed, 'to when it stopped receiving');
  t.is(await metricValue(metrics, 'ingest_points_written_total'), 0, 'the telemetry counters count telemetry only');
});
