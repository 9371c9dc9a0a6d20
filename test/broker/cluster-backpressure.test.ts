import test from 'ava';
import { Redis } from 'ioredis';
import { telemetryTopic } from '../../domain/topics.js';
import { startTestBroker } from '../helpers/broker.js';
import { connectAs } from '../helpers/mqtt-clients.js';
import { rawConnect } from '../helpers/mqtt-raw.js';
import { until } from '../helpers/poll.js';
import { withRedis } from '../helpers/redis.js';

// A node of a cluster keeps the ingest's queue in Redis. With the ingest away, that queue is bounded too: past
// the bound the node holds the stations' PUBACKs (they keep their messages) instead of filling Redis' memory,
// and lets them go, losing nothing, once the ingest is back and drains it. When it comes back, its queue goes
// out through a window of unacknowledged messages, and each acknowledgement clears its own message in Redis.

// Serial: the nodes of both tests would share the Redis and its publishes.
const redis = withRedis(test);
const BOUND = 30;

test.serial('a cluster node holds PUBACKs while the ingest’s queue in Redis is over its bound, then everything arrives', async (t) => {
  const station = 'SN-0001';
  const b = await startTestBroker({
    cluster: { redisUrl: redis().url, maxQueuedMessages: BOUND, queueCheckMs: 20 },
    stationIds: [station],
    seededSessions: ['svc-ingest'],
  });
  t.teardown(() => b.close());
  const backpressure = async () => (await b.broker.metrics.backpressure.get()).values[0]?.value === 1;

  const publisher = await connectAs(b, station);
  t.teardown(() => publisher.endAsync(true));
  const topic = telemetryTopic({ stationId: station, channel: 'status' });
  const total = 1000;
  const acked = new Set<number>();
  const published = Array.from({ length: total }, (_, n) => publisher.publishAsync(topic, String(n), { qos: 1 }).then(() => void acked.add(n)));

  await until(backpressure, { timeoutMs: 10_000, what: 'back-pressure on' });
  const ackedWhenHeld = acked.size;
  t.true(ackedWhenHeld < total, `${ackedWhenHeld} of ${total} acknowledged when the node began holding`);
  t.is((await b.broker.metrics.backpressureEpisodes.get()).values[0]?.value, 1);

  const ingest = await connectAs(b, 'svc-ingest', { clean: false });
  t.teardown(() => ingest.endAsync());
  const received = new Set<number>();
  ingest.on('message', (_topic, payload) => received.add(Number(payload.toString())));
  await Promise.all(published);
  await until(() => received.size === total, { timeoutMs: 20_000, what: 'every message at the ingest' });
  await until(async () => !(await backpressure()), { timeoutMs: 10_000, what: 'back-pressure off' });
  t.is(acked.size, total);
  // The ingest's PUBACKs clear the queue in Redis (and the next test starts from an empty one: on a loaded
  // machine the last clears were still under way when this node closed, and the next ingest got them).
  const r = new Redis(redis().url);
  t.teardown(() => r.quit());
  await until(async () => (await r.llen('outgoing:svc-ingest')) === 0, { timeoutMs: 10_000, what: 'the Redis queue emptied by the PUBACKs' });
  t.log(`${total} published; ${ackedWhenHeld} acknowledged when the node began holding (bound ${BOUND} queued); all received after the ingest came back`);
});

test.serial('a returning ingest gets its Redis queue through a window of unacknowledged messages, and every PUBACK clears its own', async (t) => {
  const station = 'SN-0002';
  const WINDOW = 10;
  const b = await startTestBroker({
    cluster: { redisUrl: redis().url },
    sessions: { maxInFlight: WINDOW },
    stationIds: [station],
    seededSessions: ['svc-ingest'],
  });
  t.teardown(() => b.close());
  const publisher = await connectAs(b, station);
  t.teardown(() => publisher.endAsync(true));
  const topic = telemetryTopic({ stationId: station, channel: 'status' });
  const total = 100;
  await Promise.all(Array.from({ length: total }, (_, n) => publisher.publishAsync(topic, String(n), { qos: 1 })));

  // The ingest comes back and acknowledges nothing: the node sends the window's worth and waits. A PINGREQ's
  // answer comes after what the node had to send (without a window, the whole queue goes at once).
  const ingest = await rawConnect(b);
  t.teardown(() => void ingest.socket.destroy());
  ingest.send({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: false,
    clientId: 'svc-ingest',
    keepalive: 60,
    username: 'svc-ingest',
    password: Buffer.from(b.credentials['svc-ingest']!),
  });
  await ingest.next('connack');
  // Each message by its payload: QoS 1 may deliver one twice (harmless: the point is written once), never none.
  const seen = new Map<string, number>();
  const receive = async (ms?: number): Promise<number> => {
    const p = await ingest.next('publish', ms);
    const payload = String((p as { payload: Buffer }).payload);
    seen.set(payload, (seen.get(payload) ?? 0) + 1);
    return p.messageId!;
  };
  const first: number[] = [];
  for (let n = 0; n < WINDOW; n++) first.push(await receive());
  ingest.send({ cmd: 'pingreq' });
  await ingest.next('pingresp');
  await t.throwsAsync(ingest.next('publish', 300), { message: /no publish/ }, 'nothing beyond the window before an acknowledgement');
  t.is(new Set(first).size, WINDOW, 'each with its own packet id');
  // Then each acknowledgement lets one more go, until the queue is through.
  const ack = (messageId: number) => ingest.send({ cmd: 'puback', messageId });
  for (const id of first) ack(id);
  while (seen.size < total) ack(await receive().catch((err: Error) => Promise.reject(new Error(`${err.message} after ${seen.size} of ${total}`))));
  const r = new Redis(redis().url);
  t.teardown(() => r.quit());
  let queued = -1;
  await until(
    async () => {
      // A message delivered twice is acknowledged twice.
      for (;;) {
        const id = await receive(50).catch(() => null);
        if (id === null) break;
        ack(id);
      }
      queued = await r.llen('outgoing:svc-ingest');
      return queued === 0;
    },
    { timeoutMs: 30_000, what: 'the Redis queue emptied by the PUBACKs' },
  ).catch((err: Error) => {
    const again = Object.fromEntries([...seen].filter(([, n]) => n > 1));
    throw new Error(`${err.message}: still ${queued} queued; delivered more than once: ${JSON.stringify(again)}`);
  });
  t.deepEqual([...seen.keys()].sort(), Array.from({ length: total }, (_, n) => String(n)).sort(), 'exactly the messages queued here');
  const twice = [...seen.values()].reduce((a, n) => a + n, 0) - seen.size;
  t.log(`${total} queued messages delivered through a window of ${WINDOW} (${twice} again); the Redis queue emptied by their PUBACKs`);
});
