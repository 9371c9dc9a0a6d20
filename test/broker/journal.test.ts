import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Journal } from '../../broker/journal.js';
import { SessionPersistence } from '../../broker/session-persistence.js';

const tempDir = (t: { teardown(fn: () => void): void }) => {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-journal-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

const write = (journal: Journal, body: Buffer) => new Promise<void>((resolve, reject) => journal.append(body, (err) => (err ? reject(err) : resolve())));

test('a record cut short by a crash, or damaged bytes, ends the replay: the records before it are kept and the rest moved aside', async (t) => {
  const dir = tempDir(t);
  const first = Journal.open({ dir, fsync: 'no' }).journal;
  for (const s of ['one', 'two', 'three']) await write(first, Buffer.from(s));
  first.close();
  const path = join(dir, 'sessions.log');
  truncateSync(path, statSync(path).size - 2); // the crash came in the middle of writing "three"

  const second = Journal.open({ dir, fsync: 'no' });
  t.deepEqual(second.replay.records.map(String), ['one', 'two']);
  t.is(second.replay.badTailBytes, 8 + 'three'.length - 2);
  t.true(readdirSync(dir).some((f) => f.startsWith('sessions.log.bad-')));
  await write(second.journal, Buffer.from('four'));
  second.journal.close();
  appendFileSync(path, Buffer.from('random bytes, not a record'));

  const third = Journal.open({ dir, fsync: 'always' });
  t.deepEqual(third.replay.records.map(String), ['one', 'two', 'four']);
  t.is(third.replay.badTailBytes, 26);
  third.journal.close();
});

test('a second broker on the same data dir refuses to start; a dead one’s lock is taken over', (t) => {
  const dir = tempDir(t);
  const journal = Journal.open({ dir, fsync: 'no' }).journal;
  t.teardown(() => journal.close());
  // The lock names this process; a lock naming another live process (the parent) is refused.
  const lock = join(dir, 'sessions.lock');
  t.is(readFileSync(lock, 'utf8'), String(process.pid));
  rmSync(lock);
  appendFileSync(lock, String(process.ppid));
  t.throws(() => Journal.open({ dir, fsync: 'no' }), { message: /in use by process/ });
  rmSync(lock);
  appendFileSync(lock, '999999999'); // no such process: left by a kill -9
  t.notThrows(() => Journal.open({ dir, fsync: 'no' }).journal.close());
});

test('compaction keeps exactly the live subscriptions and messages', async (t) => {
  const dir = tempDir(t);
  const options = { dir, fsync: 'no' as const, maxQueueBytes: 1 << 20, maxInFlight: 10, stallTimeoutMs: 1000 };
  const a = new SessionPersistence(options);
  await a.setup({ id: 'broker-a' });
  const client = { id: 'svc-ingest' };
  await a.addSubscriptions(client, [{ topic: 'qdyz/v1/+/status', qos: 1 }]);
  for (let n = 0; n < 5; n++) await a.admit({ cmd: 'publish', topic: 'qdyz/v1/SN-0001/status', payload: Buffer.from(String(n)), qos: 1, retain: false });
  // The first two are delivered and acknowledged.
  for (const packet of (await a.outgoingStream(client).toArray()).slice(0, 2)) {
    await a.outgoingUpdate(client, { ...packet, messageId: undefined });
  }
  for (const messageId of [1, 2]) await a.outgoingClearMessageId(client, { messageId });
  a.compact();
  await a.destroy();

  const b = new SessionPersistence(options);
  await b.setup({ id: 'broker-b' });
  t.deepEqual(
    (await b.outgoingStream(client).toArray()).map((p) => String(p.payload)),
    ['2', '3', '4'],
  );
  t.deepEqual(
    (await b.subscriptionsByTopic('qdyz/v1/SN-0002/status')).map((s) => s.clientId),
    ['svc-ingest'],
  );
  t.is(b.queuedMessages, 3);
  await b.destroy();
});
