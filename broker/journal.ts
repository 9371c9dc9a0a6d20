// An append-only log of framed records with group commit: what the broker's persistent sessions need to
// survive a restart. Each record is [u32 length][u32 crc32][body]; appends made in one turn of the event
// loop are written with one write(2) before any of their callbacks run (a written record survives kill -9
// of the process), and fsync follows the policy (power loss). A bad record (a write cut short by a crash,
// or damaged bytes) ends the replay: the records before it are kept, the rest is moved aside.
import { closeSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** always: fsync before the callbacks (before the PUBACK); everysec: at most one second of records lost on power loss; no: the OS decides. */
export type FsyncPolicy = 'always' | 'everysec' | 'no';
export const FSYNC_POLICIES = ['always', 'everysec', 'no'] as const;

const HEADER = 8;
const FILE = 'sessions.log';
const LOCK = 'sessions.lock';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Two brokers appending to one journal would interleave their records: the second one refuses to start. */
function lock(dir: string): void {
  const file = join(dir, LOCK);
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const owner = Number(readFileSync(file, 'utf8'));
    if (owner !== process.pid && Number.isInteger(owner) && owner > 0 && alive(owner)) {
      throw new Error(`session journal ${dir} is in use by process ${owner}; give each broker its own BROKER_DATA_DIR`);
    }
    writeFileSync(file, String(process.pid)); // left by a broker that died (kill -9)
  }
}

export interface JournalOptions {
  dir: string;
  fsync: FsyncPolicy;
  /** Called once per failed write or fsync; the records of that group were not acknowledged. */
  onError?: (err: Error) => void;
}

export interface ReplayResult {
  records: Buffer[];
  /** Bytes after the last good record, moved aside to `badTailFile`. */
  badTailBytes: number;
  badTailFile?: string;
}

type Done = (err: Error | null) => void;

export class Journal {
  readonly path: string;
  #fd: number;
  #size: number;
  /** Bytes known to be in the file: a failed write is cut back to this, so no half record sits before later ones. */
  #onDisk: number;
  #pending: Buffer[] = [];
  #callbacks: Done[] = [];
  #scheduled = false;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly options: JournalOptions,
    fd: number,
    size: number,
  ) {
    this.path = join(options.dir, FILE);
    this.#fd = fd;
    this.#size = size;
    this.#onDisk = size;
    if (options.fsync === 'everysec') {
      this.#timer = setInterval(() => this.#sync(), 1000);
      this.#timer.unref();
    }
  }

  /** Opens (creating) the journal in `dir` and returns it with the good records found in it, oldest first. */
  static open(options: JournalOptions): { journal: Journal; replay: ReplayResult } {
    mkdirSync(options.dir, { recursive: true });
    lock(options.dir);
    const path = join(options.dir, FILE);
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      data = Buffer.alloc(0);
    }
    const records: Buffer[] = [];
    let offset = 0;
    while (offset + HEADER <= data.length) {
      const length = data.readUInt32LE(offset);
      const end = offset + HEADER + length;
      if (end > data.length) break;
      const body = data.subarray(offset + HEADER, end);
      if (crc32(body) !== data.readUInt32LE(offset + 4)) break;
      records.push(body);
      offset = end;
    }
    const replay: ReplayResult = { records, badTailBytes: data.length - offset };
    if (replay.badTailBytes > 0) {
      replay.badTailFile = `${path}.bad-${Date.now()}`;
      writeFileSync(replay.badTailFile, data.subarray(offset));
      writeFileSync(`${path}.tmp`, data.subarray(0, offset));
      renameSync(`${path}.tmp`, path);
    }
    const fd = openSync(path, 'a');
    return { journal: new Journal(options, fd, offset), replay };
  }

  /** Bytes in the file, including what is queued for the next write. */
  get size(): number {
    return this.#size;
  }

  /** Queues a record; `done` runs once it is written (and fsynced under `always`), with the error if it was not. */
  append(body: Buffer, done?: Done): number {
    const header = Buffer.allocUnsafe(HEADER);
    header.writeUInt32LE(body.length, 0);
    header.writeUInt32LE(crc32(body), 4);
    this.#pending.push(header, body);
    if (done) this.#callbacks.push(done);
    this.#size += HEADER + body.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
    return HEADER + body.length;
  }

  /** Writes what is queued now (the group commit). */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const data = Buffer.concat(this.#pending);
    const callbacks = this.#callbacks;
    this.#pending = [];
    this.#callbacks = [];
    let error: Error | null = null;
    try {
      for (let written = 0; written < data.length; ) written += writeSync(this.#fd, data, written);
      if (this.options.fsync === 'always') fdatasyncSync(this.#fd);
      else this.#dirty = true;
      this.#onDisk += data.length;
    } catch (err) {
      error = err as Error;
      try {
        ftruncateSync(this.#fd, this.#onDisk);
      } catch {
        // the next open finds the half record by its checksum and moves it aside
      }
      this.#size = this.#onDisk;
      this.options.onError?.(error);
    }
    for (const done of callbacks) done(error);
  }

  /**
   * Replaces the file with `bodies` (a snapshot of what is still live): written beside it, fsynced,
   * renamed over it. Records queued and not yet written are flushed first, so nothing is reordered.
   */
  rewrite(bodies: Buffer[]): void {
    this.flush();
    const tmp = `${this.path}.compact`;
    const parts: Buffer[] = [];
    for (const body of bodies) {
      const header = Buffer.allocUnsafe(HEADER);
      header.writeUInt32LE(body.length, 0);
      header.writeUInt32LE(crc32(body), 4);
      parts.push(header, body);
    }
    const data = Buffer.concat(parts);
    const fd = openSync(tmp, 'w');
    try {
      for (let written = 0; written < data.length; ) written += writeSync(fd, data, written);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    closeSync(this.#fd);
    this.#fd = openSync(this.path, 'a');
    this.#size = this.#onDisk = data.length;
    this.#dirty = false;
  }

  close(): void {
    clearInterval(this.#timer);
    this.flush();
    this.#sync();
    closeSync(this.#fd);
    rmSync(join(this.options.dir, LOCK), { force: true });
  }

  #sync(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    try {
      fdatasyncSync(this.#fd);
    } catch (err) {
      this.options.onError?.(err as Error);
    }
  }
}
