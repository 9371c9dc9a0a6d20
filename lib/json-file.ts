import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';

// The one way the services read and write their own JSON files (accounts, credentials, configs,
// reports): read = parse + validate, every problem named with its file and field; write = temp file,
// fsync, rename, fsync of the folder, so a crash leaves the old or the new file, never half of one.

export class JsonFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid file ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'JsonFileError';
  }
}

/** The problems of a failed zod parse, one line per issue, naming the field. */
const zodProblems = (error: z.ZodError): string[] => error.issues.map((i) => `field ${i.path.map(String).join('.') || '(file)'}: ${i.message}`);

type Fail = (file: string, problems: string[]) => Error;
const jsonFileError: Fail = (file, problems) => new JsonFileError(file, problems);

/** Reads and parses a JSON file; an unreadable file or bad JSON throws `fail(file, [reason])` (a JsonFileError unless given). */
export function readJson(file: string, fail: Fail = jsonFileError): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw fail(file, [(e as Error).message]);
  }
}

/** Reads, parses and validates a JSON file; any failure names the file and each bad field. */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S, fail: Fail = jsonFileError): z.infer<S> {
  const parsed = schema.safeParse(readJson(file, fail));
  if (!parsed.success) throw fail(file, zodProblems(parsed.error));
  return parsed.data;
}

/** Writes `value` as JSON (indented unless `indent: 0`) atomically and durably; `mode` for files holding secrets. */
export function writeJsonFileAtomic(file: string, value: unknown, opts: { mode?: number; indent?: number } = {}): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', opts.mode ?? 0o644);
  try {
    writeSync(fd, `${JSON.stringify(value, null, opts.indent ?? 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  // The rename itself is durable only once the folder is synced.
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
