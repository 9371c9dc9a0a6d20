import test from 'ava';
import { TELEMETRY_SUBSCRIPTIONS, telemetryTopic } from '../../domain/topics.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { startTestBroker } from '../helpers/broker.js';
import { closed, connectAs, nextMessage, refusals } from '../helpers/mqtt-clients.js';
import { connectPacket, rawConnect, rawPublish } from '../helpers/mqtt-raw.js';

const registry = loadRegistryFile();
const [A] = registry.stations.slice(0, 1).map((s) => s.id) as [string];
const status = telemetryTopic({ stationId: A, channel: 'status' });
const heartbeat = (extra: Record<string, unknown> = {}) => JSON.stringify({ station: A, ts: Date.now(), online: true, reason: 'heartbeat', ...extra });

test('publishes to a station’s non-contract subtopics close the connection and are counted', async (t) => {
  const b = await startTestBroker({ registry, stationIds: [A] });
  t.teardown(b.close);
  for (const topic of [`${status}/extra`, `qdyz/v1/${A}/occupancy/extra`, `qdyz/v1/${A}/foo`]) {
    const station = await connectAs(b, A);
    const gone = closed(station);
    station.publish(topic, heartbeat(), { qos: 1 });
    await gone;
    station.end(true);
  }
  t.is(await refusals(b, 'publish', 'not_contract_topic'), 3);
});

test('a topic with ill-formed UTF-8 or U+0000 closes the connection (MQTT-1.5.3-1/-2), in PUBLISH and SUBSCRIBE', async (t) => {
  const b = await startTestBroker({ registry, stationIds: [A] });
  t.teardown(b.close);
  const payload = Buffer.from(heartbeat());
  for (const topic of [Buffer.concat([Buffer.from(status), Buffer.from([0xc3, 0x28])]), Buffer.concat([Buffer.from(status), Buffer.from([0x00])])]) {
    const conn = await rawConnect(b);
    conn.send(connectPacket(b, A));
    await conn.next('connack');
    conn.send(rawPublish(topic, payload, 1));
    await conn.closed;
  }
  t.is(await refusals(b, 'publish', 'invalid_topic'), 2);

  const ingest = await connectAs(b, 'svc-ingest', { clean: true });
  const gone = closed(ingest);
  ingest.subscribe('qdyz/v1/+/status\u0000', { qos: 1 });
  await gone;
  t.is(await refusals(b, 'subscribe', 'invalid_topic'), 1);
});

test('invalid retained telemetry and invalid Last Wills are refused before the broker stores them', async (t) => {
  const b = await startTestBroker({ registry, stationIds: [A] });
  t.teardown(b.close);
  for (const payload of [
    'not json',
    JSON.stringify({ station: A, online: true, reason: 'heartbeat' }),
    JSON.stringify({ station: 'SN-0002', ts: Date.now(), online: true, reason: 'heartbeat' }),
  ]) {
    const station = await connectAs(b, A);
    const gone = closed(station);
    station.publish(status, payload, { qos: 1, retain: true });
    await gone;
    station.end(true);
  }
  t.is(await refusals(b, 'publish', 'invalid_retained'), 3);

  // A valid retained status is kept and is what a new subscriber gets.
  const station = await connectAs(b, A);
  await station.publishAsync(status, heartbeat({ fw: 'kept' }), { qos: 1, retain: true });
  await station.endAsync();
  const ingest = await connectAs(b, 'svc-ingest', { clean: true });
  t.teardown(() => ingest.endAsync());
  const retained = nextMessage(ingest, status);
  await ingest.subscribeAsync([...TELEMETRY_SUBSCRIPTIONS], { qos: 1 });
  t.is(JSON.parse((await retained).payload.toString()).fw, 'kept');

  const wills = [
    'garbage',
    JSON.stringify({ station: A, online: false, reason: 'shutdown' }), // a will is the lwt status
    JSON.stringify({ station: A, online: true, reason: 'lwt' }), // contradictory
  ];
  for (const payload of wills) {
    const err = await t.throwsAsync(connectAs(b, A, { will: { topic: status, payload: Buffer.from(payload), qos: 1, retain: true } }));
    t.is((err as { code?: number }).code, 5);
  }
  t.is(await refusals(b, 'connect', 'invalid_will'), 3);
  const good = await connectAs(b, A, {
    will: { topic: status, payload: Buffer.from(JSON.stringify({ station: A, online: false, reason: 'lwt' })), qos: 1, retain: true },
  });
  await good.endAsync();
});
