import test from 'ava';
import { connect, createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry as MetricsRegistry } from 'prom-client';
import { REJECT_REASONS, type Telemetry } from '../../domain/telemetry.js';
import { telemetryTopic } from '../../domain/topics.js';
import { createLogger } from '../../lib/logger.js';
import { createTelemetryConsumer } from '../../lib/telemetry-consumer.js';
import { createRejectionLog, type TelemetryMeta } from '../../lib/telemetry-feed.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { fridgePayload, fridgeTopic, metricValue, occupancyPayload, occupancyTopic, stationClient, statusPayload, statusTopic } from './fixtures.js';
import { until } from '../helpers/poll.js';

const STATIONS = ['SN-0001', 'SN-0002', 'SB-0001'];
let broker: TestBroker;
test.before(async () => {
  broker = await startTestBroker({ stationIds: STATIONS });
});
test.after.always(() => broker?.close());

const logger = createLogger('test-consumer', 'silent');
let clientSeq = 0;
const consumerFor = (
  t: { teardown(fn: () => Promise<void>): void },
  metrics = new MetricsRegistry(),
  clientId = `svc-ingest-c${clientSeq++}`,
  beforeAck?: (topic: string) => Promise<void> | undefined,
) => {
  const consumer = createTelemetryConsumer({
    beforeAck,
    mqttUrl: broker.url,
    username: 'svc-ingest',
    password: broker.credentials['svc-ingest']!,
    clientId,
    registry: broker.registry,
    logger,
    metrics,
  });
  t.teardown(() => consumer.close());
  return consumer;
};

test.serial('valid telemetry folds into station state; invalid is rejected and counted per reason', async (t) => {
  const metrics = new MetricsRegistry();
  const consumer = consumerFor(t, metrics);
  const seen: Array<[Telemetry, TelemetryMeta]> = [];
  const rejected: string[] = [];
  // Tests in this file run one at a time, but retained messages of other tests may arrive: look at SN-0001 only.
  consumer.on('telemetry', (m: Telemetry, _s: unknown, meta: TelemetryMeta) => m.stationId === 'SN-0001' && seen.push([m, meta]));
  consumer.on('rejected', (reason: string) => rejected.push(reason));
  await consumer.ready;
  t.is(consumer.states.size, broker.registry.stations.length);
  t.is(consumer.states.get('SN-0001')?.people, null);
  // Every reason is on /metrics from the start (at 0), so a dashboard can rate() it before the first rejection.
  for (const reason of REJECT_REASONS)
    t.regex(await metrics.metrics(), new RegExp(`^telemetry_messages_rejected_total\\{reason="${reason}"\\} 0$`, 'm'), reason);

  const station = await stationClient(broker, 'SN-0001');
  t.teardown(() => station.endAsync());
  const ts = Date.now() - 1000;
  await station.publishAsync(occupancyTopic('SN-0001'), JSON.stringify(occupancyPayload('SN-0001', ts, 4, 2)), { qos: 1 });
  await station.publishAsync(fridgeTopic('SN-0001'), JSON.stringify(fridgePayload('SN-0001', ts, 5)), { qos: 1 });
  await station.publishAsync(occupancyTopic('SN-0001'), '{"station":"SN-0001",', { qos: 1 });
  await station.publishAsync(occupancyTopic('SN-0001'), JSON.stringify(occupancyPayload('SN-0001', ts, 500)), { qos: 1 });
  await station.publishAsync(occupancyTopic('SN-0001'), JSON.stringify({ ...occupancyPayload('SN-0001', ts), extra: 1 }), { qos: 1 });
  // SN-0001's lockers are attested by inspection only; a heartbeat that says offline contradicts itself.
  const lockers = telemetryTopic({ stationId: 'SN-0001', channel: 'appliance', appliance: 'lockers' });
  t.is(broker.registry.get('SN-0001')!.equipment.lockers, 'inspection');
  await station.publishAsync(lockers, JSON.stringify({ station: 'SN-0001', ts, appliance: 'lockers', on: true, powerW: 5, faultCode: null, openDoors: 1 }), {
    qos: 1,
  });
  await station.publishAsync(statusTopic('SN-0001'), JSON.stringify({ ...statusPayload('SN-0001', ts), online: false }), { qos: 1 });
  await until(() => seen.length + rejected.length >= 7);

  t.deepEqual(
    seen.map(([m, meta]) => [m.channel, m.ts, meta.retained, meta.deviceTime]),
    [
      ['occupancy', ts, false, true],
      ['appliance', ts, false, true],
    ],
  );
  const state = consumer.states.get('SN-0001')!;
  t.is(state.people, 4);
  t.is(state.appliances.fridge?.tempC, 5);
  t.is(state.online, true);
  t.is(state.lastSeen, ts);
  t.deepEqual(rejected, ['bad_json', 'out_of_range', 'schema', 'not_equipped', 'contradictory']);
  t.is(await metricValue(metrics, 'telemetry_messages_received_total'), 7);
  t.is(await metricValue(metrics, 'telemetry_messages_accepted_total'), 2);
  t.is(await metricValue(metrics, 'telemetry_messages_rejected_total', { reason: 'bad_json' }), 1);
  t.is(await metricValue(metrics, 'telemetry_messages_rejected_total', { reason: 'out_of_range' }), 1);
  t.is(await metricValue(metrics, 'telemetry_messages_rejected_total', { reason: 'schema' }), 1);
  t.is(await metricValue(metrics, 'telemetry_messages_rejected_total', { reason: 'not_equipped' }), 1);
  t.is(await metricValue(metrics, 'telemetry_messages_rejected_total', { reason: 'contradictory' }), 1);
  t.is(await metricValue(metrics, 'telemetry_messages_rejected_total', { reason: 'topic_mismatch' }), 0);
});

test.serial('a retained Last Will is replayed on subscribe: the state goes offline, marked as not device-timed', async (t) => {
  // SN-0002 connects with a will and drops its socket: the broker publishes the will, retained.
  const will = {
    topic: statusTopic('SN-0002'),
    payload: Buffer.from(JSON.stringify({ station: 'SN-0002', online: false, reason: 'lwt' })),
    qos: 1 as const,
    retain: true,
  };
  const station = await stationClient(broker, 'SN-0002', { will });
  await station.publishAsync(occupancyTopic('SN-0002'), JSON.stringify(occupancyPayload('SN-0002', Date.now() - 5000)), { qos: 1 });
  station.stream.destroy();
  await until(() => broker.broker.aedes.connectedClients === 0);
  await new Promise((r) => setTimeout(r, 100));

  const consumer = consumerFor(t);
  const seen: Array<[Telemetry, TelemetryMeta]> = [];
  consumer.on('telemetry', (m: Telemetry, _s: unknown, meta: TelemetryMeta) => seen.push([m, meta]));
  await consumer.ready;
  await until(() => seen.some(([m]) => m.stationId === 'SN-0002'));
  const lwt = seen.find(([m]) => m.stationId === 'SN-0002')!;
  t.is(lwt[0].channel, 'status');
  t.true(lwt[1].retained);
  t.false(lwt[1].deviceTime);
  t.is(consumer.states.get('SN-0002')?.online, false);
  t.is(consumer.states.get('SN-0002')?.offlineReason, 'lwt');
});

test.serial('the persistent session keeps QoS 1 messages published while the consumer was away', async (t) => {
  const clientId = `svc-ingest-persist${process.pid}`;
  const first = createTelemetryConsumer({
    mqttUrl: broker.url,
    username: 'svc-ingest',
    password: broker.credentials['svc-ingest']!,
    clientId,
    registry: broker.registry,
    logger,
    metrics: new MetricsRegistry(),
  });
  await first.ready;
  await first.close();

  const station = await stationClient(broker, 'SB-0001');
  t.teardown(() => station.endAsync());
  const t0 = Date.now() - 10_000;
  for (let i = 0; i < 20; i++) await station.publishAsync(occupancyTopic('SB-0001'), JSON.stringify(occupancyPayload('SB-0001', t0 + i, i % 5, i)), { qos: 1 });

  const second = consumerFor(t, new MetricsRegistry(), clientId);
  const got: number[] = [];
  second.on('telemetry', (m: Telemetry) => {
    if (m.stationId === 'SB-0001' && m.channel === 'occupancy') got.push(m.data.entries);
  });
  await second.ready;
  await until(() => got.length >= 20);
  t.deepEqual(
    got,
    Array.from({ length: 20 }, (_, i) => i),
  );
});

test.serial('wrong credentials make ready reject', async (t) => {
  const consumer = createTelemetryConsumer({
    mqttUrl: broker.url,
    username: 'svc-ingest',
    password: 'not-the-password-at-all',
    clientId: 'svc-ingest-bad',
    registry: broker.registry,
    logger,
    metrics: new MetricsRegistry(),
  });
  t.teardown(() => consumer.close());
  await t.throwsAsync(consumer.ready, { message: /Bad username or password|Not authorized/i });
});

test.serial('rejection logging is sampled per reason, with a summary of the rest', (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const log = createRejectionLog(pino({ level: 'warn' }, sink), 3);
  for (let i = 0; i < 50; i++) log.record('bad_json', `detail ${i}`, 'qdyz/v1/SN-0001/status');
  log.record('schema', 'x'.repeat(1000), 'qdyz/v1/SN-0001/status');
  log.summarise();
  log.record('bad_json', 'next interval', 't');
  log.summarise();
  t.is(lines.filter((l) => l.event === 'telemetry_rejected' && l.reason === 'bad_json').length, 4);
  t.is(String(lines.find((l) => l.reason === 'schema')?.detail).length, 300);
  const summaries = lines.filter((l) => l.event === 'telemetry_rejected_summary');
  t.deepEqual(
    summaries.map((l) => l.suppressed),
    [{ bad_json: 47 }],
  );
});

test.serial('beforeAck holds the PUBACK and every later message: a consumer that dies holding gets the message again', async (t) => {
  const clientId = `svc-ingest-hold${clientSeq++}`;
  let release: (() => void) | undefined;
  // Held: SN-0002's occupancy only (retained messages of other tests may arrive first).
  const held = consumerFor(t, new MetricsRegistry(), clientId, (topic) =>
    topic === occupancyTopic('SN-0002') ? new Promise<void>((resolve) => (release = resolve)) : undefined,
  );
  const seen: number[] = [];
  held.on('telemetry', (m: Telemetry) => m.stationId === 'SN-0002' && m.channel === 'occupancy' && seen.push(m.data.entries));
  await held.ready;
  const station = await stationClient(broker, 'SN-0002');
  t.teardown(() => station.endAsync());
  const ts = Date.now() - 1000;
  for (const entries of [1, 2])
    await station.publishAsync(occupancyTopic('SN-0002'), JSON.stringify(occupancyPayload('SN-0002', ts + entries, 1, entries)), { qos: 1 });
  await until(() => seen.length >= 1);
  // The second message waits behind the first one's held acknowledgement (mqtt.js handles one packet at a time).
  t.deepEqual(seen, [1]);
  t.truthy(release);
  // Dies holding (no PUBACK sent): the broker keeps both for the persistent session.
  await held.close();

  const again = consumerFor(t, new MetricsRegistry(), clientId, () => undefined);
  const redelivered: number[] = [];
  again.on('telemetry', (m: Telemetry) => m.stationId === 'SN-0002' && m.channel === 'occupancy' && redelivered.push(m.data.entries));
  await again.ready;
  await until(() => redelivered.length >= 2);
  t.deepEqual(redelivered, [1, 2]);
});

for (const cut of ['after the CONNECT', 'after the CONNACK'] as const) {
  test.serial(`a link the broker cuts ${cut} while the consumer starts is retried, not a failed start`, async (t) => {
    // A proxy in front of the broker that cuts the first connection (as a broker still closing the session a crashed
    // client held may do), and forwards every later one.
    const target = new URL(broker.url);
    let connections = 0;
    const proxy = createServer((client) => {
      const first = connections++ === 0;
      if (first && cut === 'after the CONNECT') {
        client.once('data', () => client.resetAndDestroy());
        return;
      }
      const upstream = connect(Number(target.port), target.hostname);
      const end = () => (client.destroy(), upstream.destroy());
      client.pipe(upstream);
      upstream.on('data', (chunk) => {
        client.write(chunk);
        if (first) end(); // the CONNACK reaches the client, the SUBACK never does
      });
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    const consumer = createTelemetryConsumer({
      mqttUrl: `mqtt://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      username: 'svc-ingest',
      password: broker.credentials['svc-ingest']!,
      clientId: `svc-ingest-c${clientSeq++}`,
      registry: broker.registry,
      logger,
      metrics: new MetricsRegistry(),
    });
    t.teardown(() => consumer.close());
    await t.notThrowsAsync(consumer.ready);
    t.true(connections >= 2, `${connections} connections`);
  });
}
