import test from 'ava';
import { READ_SLICE_BYTES } from '../../broker/packet-limit.js';
import { QUEUED_MESSAGE_OVERHEAD_BYTES } from '../../broker/session-persistence.js';
import { telemetryTopic } from '../../domain/topics.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { startTestBroker } from '../helpers/broker.js';
import { connectAs } from '../helpers/mqtt-clients.js';

// The queues for persistent sessions are bounded: when the ingest is away long enough to fill them, the
// broker holds the stations' PUBACKs (they keep the messages and slow down) instead of growing without
// limit, and lets them go, losing nothing, once the ingest drains the queue.

const BOUND = 20_000;

/** Resolves once `condition` holds (checked every 10 ms; the test's timeout bounds it). */
const until = (condition: () => Promise<boolean>) =>
  new Promise<void>((resolve) => {
    const check = setInterval(() => void condition().then((ok) => ok && resolve(clearInterval(check))), 10);
  });
const PAYLOAD = 400;

test('a full session queue holds the publishers’ PUBACKs, stays within its bound, and releases them when the subscriber drains it', async (t) => {
  const registry = loadRegistryFile();
  const stations = registry.stations.slice(0, 5).map((s) => s.id);
  const b = await startTestBroker({ registry, stationIds: stations, seededSessions: ['svc-ingest'], sessions: { maxQueueBytes: BOUND } });
  t.teardown(() => b.close());
  const sessions = b.broker.sessions!;
  const topicOf = (id: string) => telemetryTopic({ stationId: id, channel: 'status' });
  const topicBytes = Buffer.byteLength(topicOf(stations[0]!));
  const messageBytes = PAYLOAD + topicBytes + QUEUED_MESSAGE_OVERHEAD_BYTES;
  // A PUBLISH on the wire: fixed header (2), topic length (2) and topic, packet id (2), payload.
  const packetBytes = 2 + 2 + topicBytes + 2 + PAYLOAD;

  let maxQueued = 0;
  let maxUnacknowledged = 0;
  let ackedWhenHeld: number | undefined;
  const acked = new Set<string>();
  const watch = setInterval(() => {
    maxQueued = Math.max(maxQueued, sessions.queuedBytes);
    if (sessions.backpressure) ackedWhenHeld ??= acked.size;
    void b.broker.metrics.unacknowledged.get().then((m) => (maxUnacknowledged = Math.max(maxUnacknowledged, m.values[0]?.value ?? 0)));
  }, 5);
  t.teardown(() => clearInterval(watch));

  const publishers = await Promise.all(stations.map((id) => connectAs(b, id)));
  t.teardown(() => Promise.all(publishers.map((c) => c.endAsync(true))));
  const perStation = 100;
  const published = stations.flatMap((id, i) =>
    Array.from({ length: perStation }, (_, n) => {
      const key = `${id}/${n}`;
      const payload = Buffer.alloc(PAYLOAD, 0x20);
      payload.write(key);
      return publishers[i]!.publishAsync(topicOf(id), payload, { qos: 1 }).then(() => void acked.add(key));
    }),
  );
  const total = published.length;

  // The queue fills: the broker says so (metric) and stops acknowledging.
  const holding = async () => (await b.broker.metrics.backpressure.get()).values[0]?.value === 1;
  await until(holding);
  t.true(sessions.queuedBytes <= BOUND + messageBytes, `queued ${sessions.queuedBytes} bytes, bound ${BOUND}`);
  t.true(acked.size < total, 'some PUBACKs are held');

  // The ingest comes and drains everything; every publish is acknowledged and delivered once at least.
  const ingest = await connectAs(b, 'svc-ingest', { clean: false });
  t.teardown(() => ingest.endAsync());
  const received = new Set<string>();
  const allReceived = new Promise<void>((resolve) =>
    ingest.on('message', (_topic, payload) => {
      received.add(payload.toString().trim());
      if (received.size === total) resolve();
    }),
  );
  await Promise.all(published);
  await allReceived;
  t.is(acked.size, total);
  t.is(received.size, total);
  t.true(maxQueued <= BOUND + messageBytes, `queue peaked at ${maxQueued} bytes, bound ${BOUND}`);
  t.true(ackedWhenHeld !== undefined && ackedWhenHeld < total);
  // The publishers never wait for their PUBACKs (100 each, 46 kB, in one write): the broker reads a slice of
  // each connection at a time, so the publishes it holds are a few per connection, not everything sent.
  // (aedes may start on the next slice while the last packet of the one before is still in hand: two at most.)
  const perConnection = 2 * Math.ceil(READ_SLICE_BYTES / packetBytes);
  t.true(maxUnacknowledged > 0 && maxUnacknowledged <= stations.length * perConnection, `${maxUnacknowledged} publishes held at most`);
  await until(async () => !(await holding()));
  t.is((await b.broker.metrics.backpressureEpisodes.get()).values[0]?.value, 1);
  t.log(
    `${total} messages of ${messageBytes} bytes; queue peaked at ${maxQueued} of ${BOUND} bytes; ${ackedWhenHeld} acknowledged when the broker began holding; ${maxUnacknowledged} held at most`,
  );
});

test('a promise from beforePuback (the embedded ingest’s log refusing writes) holds the PUBACK until it settles', async (t) => {
  const registry = loadRegistryFile();
  const [station] = registry.stations.slice(0, 1).map((s) => s.id);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const seen: string[] = [];
  const b = await startTestBroker({
    registry,
    stationIds: [station!],
    seededSessions: [],
    beforePuback: (topic) => (seen.push(topic), gate),
  });
  t.teardown(() => b.close());
  const client = await connectAs(b, station!);
  t.teardown(() => client.endAsync());
  const topic = telemetryTopic({ stationId: station!, channel: 'occupancy' });
  let acked = false;
  const publish = client.publishAsync(topic, JSON.stringify({ station, ts: Date.now(), people: 1 }), { qos: 1 }).then(() => (acked = true));
  await until(async () => seen.length === 1);
  t.deepEqual(seen, [topic]);
  // The hook has the message, yet no PUBACK went out: the broker counts it held, and a round trip through it
  // on another connection (aedes handles one client's packets in order, so not on this one) comes back first.
  t.regex(await b.metrics.metrics(), /^broker_publishes_unacknowledged 1$/m);
  const other = await connectAs(b, 'svc-alerting', { clientId: 'svc-alerting-hook-test' });
  t.teardown(() => other.endAsync());
  await other.subscribeAsync(topic);
  t.false(acked);
  release();
  await publish;
  t.true(acked);
});
