import test from 'ava';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { IndexedMemoryPersistence } from '../../broker/indexed-persistence.js';
import { projectPath } from '../../lib/paths.js';
import { createRng } from '../../domain/random.js';

const require = createRequire(import.meta.url);
const LibraryMemoryPersistence = require('aedes-persistence/asyncPersistence.js') as new () => IndexedMemoryPersistence;

test("aedes-persistence's own conformance suite passes on the indexed persistence", async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--test', projectPath('test/broker/persistence-conformance.ts')], {
    cwd: projectPath(),
  });
  const pass = Number(/^# pass (\d+)$/m.exec(stdout)?.[1]);
  t.true(pass >= 90, stdout.slice(-2000));
  t.regex(stdout, /^# fail 0$/m);
});

const drain = async (s: NodeJS.ReadableStream) => {
  const out: unknown[] = [];
  for await (const p of s) out.push(p);
  return out;
};

test('the indexed outgoing queue answers exactly as the library array queue over random enqueue/update/clear runs', async (t) => {
  const rng = createRng(7);
  const rand = () => rng.next();
  const client = { id: 'svc-ingest' };
  for (let run = 0; run < 20; run++) {
    const ours = new IndexedMemoryPersistence();
    const theirs = new LibraryMemoryPersistence();
    let counter = 0;
    let nextId = 1;
    const inFlight: Array<{ brokerId: string; brokerCounter: number }> = [];
    for (let step = 0; step < 400; step++) {
      const r = rand();
      if (r < 0.45) {
        // Two brokers, so the "foreign packet with the same id" branch is exercised too.
        const packet = { cmd: 'publish', topic: 't', payload: Buffer.from(String(step)), qos: 1, brokerId: rand() < 0.9 ? 'a' : 'b', brokerCounter: ++counter };
        await ours.outgoingEnqueueCombi([{ clientId: client.id }], packet);
        await theirs.outgoingEnqueueCombi([{ clientId: client.id }], packet);
        inFlight.push(packet);
      } else if (r < 0.8 && inFlight.length > 0) {
        const p = inFlight[Math.floor(rand() * inFlight.length)]!;
        // Small id space: collisions between in-flight messages happen, as after 65535 wraps.
        const update = { ...p, messageId: 1 + (nextId++ % 7) };
        const a = await ours.outgoingUpdate(client, update).then(
          () => 'ok',
          (e: Error) => e.message,
        );
        const b = await theirs.outgoingUpdate(client, update).then(
          () => 'ok',
          (e: Error) => e.message,
        );
        t.is(a, b);
      } else {
        const messageId = rand() < 0.1 ? undefined : 1 + Math.floor(rand() * 7);
        const a = await ours.outgoingClearMessageId(client, { messageId });
        const b = await theirs.outgoingClearMessageId(client, { messageId });
        t.deepEqual(a, b);
      }
    }
    t.deepEqual(await drain(ours.outgoingStream(client)), await drain(theirs.outgoingStream(client)));
  }
});
