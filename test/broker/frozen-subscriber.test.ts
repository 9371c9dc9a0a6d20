import { connect, type Socket } from 'node:net';
import test from 'ava';
import { TELEMETRY_SUBSCRIPTIONS, telemetryTopic } from '../../domain/topics.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { startTestBroker } from '../helpers/broker.js';
import { connectAs } from '../helpers/mqtt-clients.js';

// A subscriber that stops reading its socket (crashed app, dead 3G link) must not stall delivery to everyone
// else: aedes waits for its socket to drain, and without a drain timeout that wait never ends.

const str = (s: string) => {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
};
const remainingLength = (n: number) => {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
};
const packet = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type]), remainingLength(body.length), body]);

/** A raw MQTT 3.1.1 client that connects, subscribes, and then never reads another byte. */
function frozenSubscriber(port: number, clientId: string, username: string, password: string, filter: string, qos: 0 | 1 = 0): Socket {
  // username, password, clean session (a persistent one for QoS 1); keepalive 0 so only the drain timeout can end it
  const flags = 0x80 | 0x40 | (qos === 0 ? 0x02 : 0);
  const connectPacket = packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([0x04, flags, 0, 0]), str(clientId), str(username), str(password)]));
  const subscribePacket = packet(0x82, Buffer.concat([Buffer.from([0, 1]), str(filter), Buffer.from([qos])]));
  const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.concat([connectPacket, subscribePacket])));
  socket.on('error', () => {}); // the broker will reset it
  return socket; // no 'data' listener: node stops reading at its high-water mark and the kernel window closes
}

test('a frozen subscriber is disconnected after the drain timeout and delivery to others carries on', async (t) => {
  const registry = loadRegistryFile();
  const A = registry.stations[0]!.id;
  const b = await startTestBroker({ registry, stationIds: [A], drainTimeoutMs: 500 });
  t.teardown(() => b.close());

  const subscribed = new Promise<void>((resolve) => b.broker.aedes.on('subscribe', (_s, client) => client.id === 'svc-dashboard-frozen' && resolve()));
  const frozen = frozenSubscriber(b.port, 'svc-dashboard-frozen', 'svc-dashboard', b.credentials['svc-dashboard']!, TELEMETRY_SUBSCRIPTIONS[0]!);
  t.teardown(() => frozen.destroy());
  await subscribed;
  // The frozen socket itself never notices (it reads nothing, not even the FIN): ask the broker.
  const frozenDropped = new Promise<void>((resolve) => b.broker.aedes.on('clientDisconnect', (client) => client.id === 'svc-dashboard-frozen' && resolve()));

  const healthy = await connectAs(b, 'svc-ingest');
  t.teardown(() => healthy.endAsync());
  await healthy.subscribeAsync(TELEMETRY_SUBSCRIPTIONS[0]!, { qos: 0 });
  let received = 0;
  healthy.on('message', () => received++);

  const station = await connectAs(b, A);
  t.teardown(() => station.endAsync());
  const topic = telemetryTopic({ stationId: A, channel: 'status' });
  const payload = Buffer.alloc(4000, 0x20);
  const slowDisconnects = async () => (await b.broker.metrics.slowClientDisconnects.get()).values[0]?.value ?? 0;

  // Publish until the frozen client's socket buffers are full and the broker has given up on it
  // (a few MB on loopback), bounded so a broker that never gives up fails the test instead of hanging it.
  let sent = 0;
  while ((await slowDisconnects()) === 0 && sent < 40_000) {
    await Promise.all(Array.from({ length: 200 }, () => station.publishAsync(topic, payload, { qos: 0 })));
    sent += 200;
  }
  t.is(await slowDisconnects(), 1, `the frozen subscriber was not disconnected after ${sent} messages`);
  await frozenDropped;
  for (let i = 0; i < 50; i++) await station.publishAsync(topic, payload, { qos: 0 });
  sent += 50;

  const until = Date.now() + 20_000;
  while (received < sent && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  t.is(received, sent, 'every message reached the healthy subscriber');
  t.log(`${sent} messages of ${payload.length} bytes before and after the freeze`);
});

test('a frozen persistent subscriber, the only one, with thousands of messages queued behind it is dropped without crashing the broker', async (t) => {
  // aedes queues deliveries beyond its `concurrency` limit; once the only subscriber is dropped, every
  // queued message has no receiver left, and with a bounded concurrency aedes drained that queue
  // recursively until the stack overflowed and the broker died (seen in bench/ingest at 20k msg/s).
  const registry = loadRegistryFile();
  const stations = registry.stations.slice(0, 20).map((s) => s.id);
  const b = await startTestBroker({ registry, stationIds: stations, drainTimeoutMs: 500 });
  t.teardown(() => b.close());
  const subscribed = new Promise<void>((resolve) => b.broker.aedes.on('subscribe', (_s, client) => client.id === 'svc-ingest' && resolve()));
  const frozen = frozenSubscriber(b.port, 'svc-ingest', 'svc-ingest', b.credentials['svc-ingest']!, TELEMETRY_SUBSCRIPTIONS[0]!, 1);
  t.teardown(() => frozen.destroy());
  await subscribed;

  // Many publishers: each one has only a batch of messages in flight, the queue is their sum.
  const publishers = await Promise.all(stations.map((id) => connectAs(b, id)));
  t.teardown(() => Promise.all(publishers.map((c) => c.endAsync(true))));
  const payload = Buffer.alloc(200, 0x20);
  const slowDisconnects = async () => (await b.broker.metrics.slowClientDisconnects.get()).values[0]?.value ?? 0;
  let sent = 0;
  // Bounded so a broker that never gives up fails the test; generous, as a loaded machine fills the buffers slowly.
  const until = Date.now() + 90_000;
  while ((await slowDisconnects()) === 0 && Date.now() < until) {
    publishers.forEach((c, i) => {
      for (let k = 0; k < 200; k++) c.publish(telemetryTopic({ stationId: stations[i]!, channel: 'status' }), payload, { qos: 0 });
    });
    sent += 200 * publishers.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.is(await slowDisconnects(), 1, `the frozen subscriber was not disconnected after ${sent} messages`);
  // Keep publishing into a broker with no subscriber, then check it is still there.
  for (let round = 0; round < 10; round++) {
    for (const [i, c] of publishers.entries())
      for (let k = 0; k < 200; k++) c.publish(telemetryTopic({ stationId: stations[i]!, channel: 'status' }), payload, { qos: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const after = await connectAs(b, 'svc-dashboard');
  t.teardown(() => after.endAsync());
  t.deepEqual(
    (await after.subscribeAsync(TELEMETRY_SUBSCRIPTIONS[0]!, { qos: 0 })).map((g) => g.qos),
    [0],
  );
  t.log(`${sent} messages published by ${publishers.length} stations while the only subscriber was frozen`);
});

test('a persistent subscriber cut off as slow gets every queued message when it returns: none lost, no packet id reused', async (t) => {
  // aedes gave every delivery in flight to a session a packet id with no bound, so past 65,535 ids were
  // reused; acknowledging one cleared another, and on the subscriber's return the broker logged thousands of
  // `no such packet` errors and the messages were gone. Each session now has a window of unacknowledged
  // deliveries, each with an id no other holds.
  const registry = loadRegistryFile();
  const stations = registry.stations.slice(0, 20).map((s) => s.id);
  const b = await startTestBroker({ registry, stationIds: stations, drainTimeoutMs: 3000 });
  t.teardown(() => b.close());
  const subscribed = new Promise<void>((resolve) => b.broker.aedes.on('subscribe', (_s, client) => client.id === 'svc-ingest' && resolve()));
  const frozen = frozenSubscriber(b.port, 'svc-ingest', 'svc-ingest', b.credentials['svc-ingest']!, TELEMETRY_SUBSCRIPTIONS[0]!, 1);
  t.teardown(() => frozen.destroy());
  await subscribed;
  let deliveryErrors = 0;
  b.broker.aedes.on('clientError', (_client, err) => err.message === 'no such packet' && deliveryErrors++);

  // Generous CONNACK timeouts here and below: this test is heavy, and a loaded machine slows everything.
  const publishers = await Promise.all(stations.map((id) => connectAs(b, id, { connectTimeout: 30_000 })));
  t.teardown(() => Promise.all(publishers.map((c) => c.endAsync(true))));
  const publishRange = (from: number, to: number) =>
    Promise.all(
      stations.map(async (id, i) => {
        const topic = telemetryTopic({ stationId: id, channel: 'status' });
        for (let n = from; n < to; n += 200) {
          await Promise.all(Array.from({ length: Math.min(200, to - n) }, (_, k) => publishers[i]!.publishAsync(topic, `${id}/${n + k}`, { qos: 1 })));
        }
      }),
    );
  const perStation = 3600; // 72,000 in all: more than there are packet ids
  await publishRange(0, perStation);
  // Cut off by the broker or not (the kernel may buffer a lot), the frozen connection ends here.
  const slowDisconnects = (await b.broker.metrics.slowClientDisconnects.get()).values[0]?.value ?? 0;
  frozen.destroy();

  // It comes back while the stations go on publishing: live deliveries mix with the queued ones.
  const live = 200;
  const total = stations.length * (perStation + live);
  const ingest = await connectAs(b, 'svc-ingest', { clean: false, connectTimeout: 30_000 });
  t.teardown(() => ingest.endAsync(true));
  const received = new Map<string, number>();
  void publishRange(perStation, perStation + live);
  await new Promise<void>((resolve, reject) => {
    // However slow a loaded machine makes it, delivery must not stop: fail after 20 s without a message.
    const fail = (why: string) => reject(new Error(`${why}: ${total - received.size} of ${total} messages never arrived; ${deliveryErrors} delivery errors`));
    let timer = setTimeout(() => fail('no message for 20 s'), 20_000);
    ingest.once('close', () => fail('the broker disconnected the returning subscriber'));
    ingest.on('message', (_topic, payload) => {
      const key = payload.toString();
      received.set(key, (received.get(key) ?? 0) + 1);
      clearTimeout(timer);
      if (received.size === total) return resolve();
      timer = setTimeout(() => fail('no message for 20 s'), 20_000);
    });
  });
  t.is(received.size, total);
  t.is(deliveryErrors, 0);
  const duplicates = [...received.values()].reduce((sum, n) => sum + n - 1, 0);
  t.log(
    `${total} QoS 1 messages queued behind a frozen persistent subscriber (cut off as slow: ${slowDisconnects}); all received on its return, ${duplicates} twice (QoS 1 resends)`,
  );
});
