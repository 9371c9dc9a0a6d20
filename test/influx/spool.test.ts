import test from 'ava';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSpool } from '../../lib/influx/spool.js';
import { tempDir } from '../ingest/fixtures.js';

test('spooled batches come back oldest first, byte for byte, and rejected ones are never pending', async (t) => {
  const dir = await tempDir(t);
  const a = createSpool(dir);
  const b = createSpool(dir);
  const first = await a.save(['m v=1i 1', 'm s="two\nlines" 2']);
  const second = await b.save(['m v=3i 3']);
  await a.reject(['bad line']);
  // A half-written file (crash before the rename) is ignored.
  await writeFile(join(dir, '9-9-9.lp.tmp'), 'm v=9i 9');
  t.not(first, second, 'two spools on one dir never share a file name');
  t.deepEqual(await a.pending(), [first, second]);
  // `lines` counts text lines (for metrics): the string field holding a newline counts twice.
  t.deepEqual(await a.read(first), { body: 'm v=1i 1\nm s="two\nlines" 2', lines: 3 });
  await a.remove(first);
  await b.remove(first);
  t.deepEqual(await b.pending(), [second]);
  t.is((await readdir(join(dir, 'rejected'))).length, 1);
});

test('a spool dir that does not exist yet has nothing pending', async (t) => {
  t.deepEqual(await createSpool(join(await tempDir(t), 'none')).pending(), []);
});
