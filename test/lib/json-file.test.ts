import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { z } from 'zod';
import { JsonFileError, readJson, readJsonFile, writeJsonFileAtomic } from '../../lib/json-file.js';

const tempDir = (t: { teardown(fn: () => void): void }): string => {
  const dir = mkdtempSync(join(tmpdir(), 'json-file-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

test('the atomic writer creates the folder, replaces the file whole, keeps the mode asked and leaves no temp file', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'nested', 'accounts.json');
  writeJsonFileAtomic(file, { a: 1 }, { mode: 0o600 });
  writeJsonFileAtomic(file, { a: 2, b: ['x'] }, { mode: 0o600 });
  t.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { a: 2, b: ['x'] });
  t.true(readFileSync(file, 'utf8').endsWith('}\n'));
  t.is(statSync(file).mode & 0o777, 0o600);
  t.deepEqual(readdirSync(join(dir, 'nested')), ['accounts.json']);
});

test('the reader names the file and every bad field; callers may turn that into their own error', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'config.json');
  const Schema = z.strictObject({ version: z.literal(1), receivers: z.array(z.string().url()) });
  writeFileSync(file, JSON.stringify({ version: 2, receivers: ['not a url'] }));
  const err = t.throws(() => readJsonFile(file, Schema), { instanceOf: JsonFileError });
  t.true(err.message.includes(file));
  t.deepEqual(
    err.problems.map((p) => p.split(':')[0]),
    ['field version', 'field receivers.0'],
  );
  writeFileSync(file, '{ not json');
  t.throws(() => readJsonFile(file, Schema), { instanceOf: JsonFileError, message: /config\.json/ });
  t.throws(() => readJson(join(dir, 'missing.json'), (f, p) => new RangeError(`${f} ${p.join()}`)), {
    instanceOf: RangeError,
    message: /missing\.json ENOENT/,
  });
});
