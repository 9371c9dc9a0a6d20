import test from 'ava';
import { appendFile, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { decodeSegment, Wal, WalDirError } from '../../lib/influx/wal.js';
import { tempDir } from '../ingest/fixtures.js';

const segmentFiles = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((f) => f.endsWith('.wal')).sort();

test('records come back byte for byte with their point counts, in segment order across a reopen', async (t) => {
  const dir = await tempDir(t);
  const { wal } = Wal.open({ dir, fsync: 'always' });
  wal.append('m v=1i 1\nm s="two\nlines" 2', 2);
  const first = wal.seal()!;
  wal.append('m v=3i 3', 1);
  await wal.durable();
  await wal.close();
  // A crash of an earlier spool writer left a partial file: removed at start and counted.
  await writeFile(join(dir, '9-9-9.lp.tmp'), 'm v=9i 9');
  const { wal: again, recovered } = Wal.open({ dir });
  t.teardown(() => again.close());
  t.is(recovered.staleRemoved, 1);
  t.deepEqual(
    recovered.segments.map((s) => [s.seq, s.points]),
    [
      [first.seq, 2],
      [first.seq + 1, 1],
    ],
  );
  t.deepEqual(again.read(recovered.segments[0]!).bodies, ['m v=1i 1\nm s="two\nlines" 2']);
  again.append('m v=4i 4', 1);
  t.is(again.seal()!.seq, first.seq + 2, 'a reopened log never reuses a segment number');
});

test('a torn last record (crash mid-write) and random bytes are found by the checksum; intact records replay, the bad tail is moved aside', async (t) => {
  const dir = await tempDir(t);
  const { wal } = Wal.open({ dir, fsync: 'never' });
  for (let i = 0; i < 3; i++) wal.append(`m v=${i}i ${i}`, 1);
  wal.seal();
  for (let i = 3; i < 6; i++) wal.append(`m v=${i}i ${i}`, 1);
  wal.seal();
  await wal.close();
  const [torn, garbled] = (await segmentFiles(dir)).map((f) => join(dir, f));
  const size = (await readFile(torn!)).length;
  await truncate(torn!, size - 3);
  // Flip a byte inside the second record of the other segment, then append random bytes.
  const buf = await readFile(garbled!);
  const second = buf.length / 3;
  buf[second + 14] = buf[second + 14]! ^ 0xff;
  await writeFile(garbled!, buf);
  await appendFile(garbled!, Buffer.from([7, 0, 0, 0, 1, 2, 3, 4, 5]));

  const { wal: reopened, recovered } = Wal.open({ dir });
  t.teardown(() => reopened.close());
  t.deepEqual(
    recovered.segments.map((s) => s.points),
    [2, 1],
  );
  t.deepEqual(reopened.read(recovered.segments[0]!).bodies, ['m v=0i 0', 'm v=1i 1']);
  t.deepEqual(reopened.read(recovered.segments[1]!).bodies, ['m v=3i 3']);
  t.is(recovered.corruptFiles.length, 2);
  t.is(recovered.corruptBytes, size - 3 - (size / 3) * 2 + (buf.length - second) + 9);
  t.deepEqual((await readdir(join(dir, 'corrupt'))).length, 2);
  // The segments were cut at their last intact record: a second start finds nothing bad.
  const third = Wal.open({ dir });
  t.teardown(() => third.wal.close());
  t.is(third.recovered.corruptBytes, 0);
});

test('decodeSegment stops at the first record whose checksum fails', (t) => {
  t.deepEqual(decodeSegment(Buffer.from('not a log at all')), { bodies: [], points: 0, good: 0 });
});

test('a directory that cannot be created gives a clear error naming it and the reason', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'file'), 'x');
  const error = t.throws(() => Wal.open({ dir: join(dir, 'file', 'wal') }), { instanceOf: WalDirError });
  t.regex(error!.message, /write-ahead log directory .*file\/wal is not usable: ENOTDIR/);
});

test('a directory on a read-only file system is reported as such, not as ENOENT', async (t) => {
  // Root only: a read-only tmpfs (the fault suite mounts the same way).
  const dir = await tempDir(t);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', dir]);
  t.teardown(() => void execFileSync('umount', ['-l', dir]));
  t.throws(() => Wal.open({ dir: join(dir, 'a', 'b') }), { instanceOf: WalDirError, message: /a\/b is not usable: EROFS/ });
});
