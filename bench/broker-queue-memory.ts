// bench/broker-queue-memory: what one message queued for a persistent session costs the broker in memory,
// against what the queue bound (BROKER_QUEUE_MAX_BYTES) counts for it. Admits N station-sized publishes into a
// memory-only session store with one subscriber (the ingest), as authorizePublish does, and weighs the heap and
// the buffers before and after. Prints one JSON object.
//
//   npm run bench:broker-queue-memory [-- --messages 200000]
import { parseArgs } from 'node:util';
import { loadMessage } from '../device-sim/load.js';
import { TELEMETRY_SUBSCRIPTIONS } from '../domain/topics.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { Packet, type QueuedPacket } from '../broker/indexed-persistence.js';
import { SessionPersistence } from '../broker/session-persistence.js';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '200000' } } });
const n = Number(values.messages);
if (!Number.isInteger(n) || n < 1) throw new Error('--messages must be a positive integer');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const station = loadRegistryFile().stations[0]!;
const store = new SessionPersistence({ dir: null, fsync: 'no', maxQueueBytes: Number.MAX_SAFE_INTEGER, maxInFlight: 1000, stallTimeoutMs: 10_000 });
await store.addSubscriptions(
  { id: 'svc-ingest' },
  TELEMETRY_SUBSCRIPTIONS.map((topic) => ({ topic, qos: 1 as const })),
);

const weigh = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const before = weigh();
for (let i = 0; i < n; i++) {
  const m = loadMessage(station, i, Date.now() + i);
  // The parser hands aedes each payload as its own buffer view; a copy stands in for it here.
  const packet = new Packet({ cmd: 'publish', topic: m.topic, payload: Buffer.from(JSON.stringify(m.payload)), qos: 1, retain: false });
  await store.admit(packet as QueuedPacket);
  // aedes' own enqueue right after the PUBACK, which hands the admitted message its broker counter.
  Object.assign(packet, { brokerId: 'bench', brokerCounter: i + 1 });
  await store.outgoingEnqueueCombi([{ clientId: 'svc-ingest' }], packet as QueuedPacket);
}
const after = weigh();
const measured = (after - before) / n;
const counted = store.queuedBytes / n;
process.stdout.write(
  `${JSON.stringify(
    {
      bench: 'broker-queue-memory',
      at: new Date().toISOString(),
      messages: n,
      queuedMessages: store.queuedMessages,
      measuredBytesPerMessage: Math.round(measured),
      countedBytesPerMessage: Math.round(counted),
      countedToMeasured: Math.round((counted / measured) * 100) / 100,
    },
    null,
    2,
  )}\n`,
);
await store.destroy();
