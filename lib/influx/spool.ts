import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// Batches InfluxDB did not take, kept on disk as line-protocol files (millisecond precision).
// Files in the spool dir are replayed; files in rejected/ were refused by InfluxDB as bad data
// (HTTP 400/413/422) and are kept for a person to inspect, never retried.

const SPOOL_FILE = /^\d+-\d+-\d+\.lp$/;
/** Per process, not per spool: two writers on one dir must never pick the same file name. */
let seq = 0;

export interface Spool {
  readonly dir: string;
  /** Persists lines for a later replay; resolves once they are on disk. */
  save(lines: readonly string[]): Promise<string>;
  /** Persists lines InfluxDB refused as invalid, for inspection. */
  reject(lines: readonly string[]): Promise<string>;
  /** Spooled files, oldest first. */
  pending(): Promise<string[]>;
  /** The file as written (a string field may itself hold a newline, so it is not re-split); `lines` counts text lines. */
  read(file: string): Promise<{ body: string; lines: number }>;
  remove(file: string): Promise<void>;
}

export function createSpool(dir: string): Spool {
  const rejectedDir = join(dir, 'rejected');
  // Written under a temporary name and renamed, so a crash never leaves a half file to replay.
  const persist = async (targetDir: string, lines: readonly string[]): Promise<string> => {
    await mkdir(targetDir, { recursive: true });
    const name = `${Date.now()}-${process.pid}-${seq++}.lp`;
    const file = join(targetDir, name);
    await writeFile(`${file}.tmp`, lines.join('\n') + '\n', { flush: true });
    await rename(`${file}.tmp`, file);
    return file;
  };
  return {
    dir,
    save: (lines) => persist(dir, lines),
    reject: (lines) => persist(rejectedDir, lines),
    async pending() {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
      const byTime = (name: string): number[] => name.slice(0, -3).split('-').map(Number);
      return names
        .filter((n) => SPOOL_FILE.test(n))
        .sort((a, b) => {
          const [x, y] = [byTime(a), byTime(b)];
          return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
        })
        .map((n) => join(dir, n));
    },
    async read(file) {
      const body = (await readFile(file, 'utf8')).replace(/\n$/, '');
      return { body, lines: body === '' ? 0 : body.split('\n').length };
    },
    async remove(file) {
      // Another writer on the same dir may have replayed and removed it first.
      await unlink(file).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    },
  };
}
