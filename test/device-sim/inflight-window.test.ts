import test from 'ava';
import { QUEUED_MESSAGE_OVERHEAD_BYTES } from '../../broker/session-persistence.js';
import { StationConnection } from '../../device-sim/connection.js';
import { StatsRecorder } from '../../device-sim/stats.js';
import { telemetryTopic } from '../../domain/topics.js';
import { createLogger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { startTestBroker } from '../helpers/broker.js';
import { connectAs } from '../helpers/mqtt-clients.js';
import { until } from '../helpers/poll.js';

// A simulated station keeps at most its window of QoS 1 messages on the wire without a PUBACK, as firmware does:
// a broker holding PUBACKs (its session queues full) slows it down, the rest wait on the station, and all of
// them go, in order, once the broker takes messages again.

const WINDOW = 3;
const MESSAGES = 40;

test('a station sends no more than its inflight window while the broker holds its PUBACKs, then everything in order', async (t) => {
  const registry = loadRegistryFile();
  const id = registry.stations[0]!.id;
  // Room for two queued messages: the third publish is held.
  const b = await startTestBroker({
    registry,
    stationIds: [id],
    seededSessions: ['svc-ingest'],
    sessions: { maxQueueBytes: 2 * QUEUED_MESSAGE_OVERHEAD_BYTES },
  });
  t.teardown(() => b.close());
  const stats = new StatsRecorder();
  const conn = await new Promise<StationConnection>((resolve) => {
    const c: StationConnection = new StationConnection({
      stationId: id,
      brokerUrl: b.url,
      password: b.credentials[id],
      will: { station: id, online: false, reason: 'lwt' },
      keepaliveS: 30,
      reconnectMs: 100,
      maxInFlight: WINDOW,
      stats,
      logger: createLogger('test', 'silent'),
      onConnect: () => resolve(c),
    });
  });
  t.teardown(() => conn.end(null, 1));
  const topic = telemetryTopic({ stationId: id, channel: 'status' });
  for (let n = 0; n < MESSAGES; n++) conn.publish(topic, String(n), 1, false);

  const unacknowledged = async () => (await b.broker.metrics.unacknowledged.get()).values[0]?.value ?? 0;
  await until(async () => b.broker.sessions!.backpressure && (await unacknowledged()) > 0);
  t.true((await unacknowledged()) <= WINDOW, 'the broker holds no more than the window');
  t.true(stats.snapshot({ stations: 1, connected: 1, simulatedTime: 0 }).acknowledged < MESSAGES);

  const ingest = await connectAs(b, 'svc-ingest', { clean: false });
  t.teardown(() => ingest.endAsync());
  const received: number[] = [];
  ingest.on('message', (_topic, payload) => received.push(Number(payload.toString())));
  await until(() => received.length >= MESSAGES, { timeoutMs: 20_000, what: 'every message at the ingest' });
  t.deepEqual(received.slice(0, MESSAGES), [...Array(MESSAGES).keys()], 'in the order published');
});
