import test from 'ava';
import { telemetryTopic } from '../../domain/topics.js';
import { startTestBroker } from '../helpers/broker.js';
import { connectAs } from '../helpers/mqtt-clients.js';
import { until } from '../helpers/poll.js';
import { withRedis } from '../helpers/redis.js';

// A node of a cluster keeps the ingest's queue in Redis. With the ingest away, that queue is bounded too: past
// the bound the node holds the stations' PUBACKs (they keep their messages) instead of filling Redis' memory,
// and lets them go, losing nothing, once the ingest is back and drains it.

const redis = withRedis(test);
const BOUND = 30;

test('a cluster node holds PUBACKs while the ingest’s queue in Redis is over its bound, then everything arrives', async (t) => {
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
  t.log(`${total} published; ${ackedWhenHeld} acknowledged when the node began holding (bound ${BOUND} queued); all received after the ingest came back`);
});
