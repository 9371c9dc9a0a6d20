import {
  closeSync,
  existsSync,
  fdatasync,
  fsync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * Write-ahead log of line-protocol points, one directory per writer. Every accepted write is
 * appended (write(2)) to the open segment before the caller acknowledges it, so it survives a
 * kill -9 of the process; fsync (power loss) follows the policy. A segment holds one batch: it is
 * sealed when the batch is sent and deleted once InfluxDB confirmed it; segments left by an earlier
 * run are replayed at start. Segments that InfluxDB refused as invalid go to rejected/, torn or
 * corrupt tails to corrupt/.
 *
 * Record: [u32 LE body bytes][u32 LE points][u32 LE crc32 of points+body][body: lines joined by \n].
 */

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface WalOptions {
  dir: string;
  /** always: fsync before a write counts as durable; interval: every fsyncIntervalMs; never: the OS decides. */
  fsync?: FsyncPolicy;
  fsyncIntervalMs?: number;
}

export interface Segment {
  readonly seq: number;
  readonly file: string;
  points: number;
  bytes: number;
  /** Record bodies while kept in memory; undefined once only on disk (read back for sending). */
  bodies?: string[];
}

export interface Recovered {
  segments: Segment[];
  /** Bytes of torn or corrupt tails moved to corrupt/. */
  corruptBytes: number;
  corruptFiles: string[];
  /** Stale partial files (*.tmp) removed. */
  staleRemoved: number;
  /** Points of legacy spool files (*.lp) carried into segments. */
  legacyPoints: number;
}

const HEADER = 12;
const SEGMENT = /^(\d{12})\.wal$/;
const name = (seq: number): string => `${String(seq).padStart(12, '0')}.wal`;

/** The WAL directory cannot be used: the message names the path and the reason. */
export class WalDirError extends Error {
  constructor(dir: string, cause: NodeJS.ErrnoException) {
    super(`write-ahead log directory ${dir} is not usable: ${cause.message} (check the path, permissions, free space and mount)`);
    this.name = 'WalDirError';
    this.cause = cause;
  }
}

function encode(body: string, points: number): Buffer {
  const bytes = Buffer.byteLength(body);
  const buf = Buffer.allocUnsafe(HEADER + bytes);
  buf.writeUInt32LE(bytes, 0);
  buf.writeUInt32LE(points, 4);
  buf.write(body, HEADER, 'utf8');
  buf.writeUInt32LE(crc32(buf.subarray(HEADER), crc32(buf.subarray(4, 8))), 8);
  return buf;
}

/** Intact records of a segment's bytes and the offset where the first bad one starts (= length when all are intact). */
export function decodeSegment(buf: Buffer): { bodies: string[]; points: number; good: number } {
  const bodies: string[] = [];
  let points = 0;
  let at = 0;
  while (at + HEADER <= buf.length) {
    const bytes = buf.readUInt32LE(at);
    if (at + HEADER + bytes > buf.length) break;
    const body = buf.subarray(at + HEADER, at + HEADER + bytes);
    if (crc32(body, crc32(buf.subarray(at + 4, at + 8))) !== buf.readUInt32LE(at + 8)) break;
    bodies.push(body.toString('utf8'));
    points += buf.readUInt32LE(at + 4);
    at += HEADER + bytes;
  }
  return { bodies, points, good: at };
}

export class Wal {
  readonly dir: string;
  private readonly policy: FsyncPolicy;
  private nextSeq = 1;
  private open?: { segment: Segment; fd: number };
  /** Appends not yet covered by an fsync (policy always/interval). */
  private dirty = new Set<number>();
  private dirDirty = false;
  private syncing?: Promise<void>;
  private syncAgain = false;
  private readonly timer?: NodeJS.Timeout;
  private readonly intervalMs: number;
  private openedAt = 0;

  private constructor(opts: WalOptions) {
    this.dir = opts.dir;
    this.policy = opts.fsync ?? 'interval';
    this.intervalMs = opts.fsyncIntervalMs ?? 1000;
    if (this.policy === 'interval') this.timer = setInterval(() => void this.sync(), this.intervalMs).unref();
  }

  /** Checks the directory (creates it, writes a probe), removes stale *.tmp files and recovers the segments of an earlier run. */
  static open(opts: WalOptions): { wal: Wal; recovered: Recovered } {
    const wal = new Wal(opts);
    const dir = opts.dir;
    try {
      makeDir(dir);
      const probe = join(dir, `.probe-${process.pid}`);
      writeFileSync(probe, 'probe');
      unlinkSync(probe);
    } catch (err) {
      throw new WalDirError(dir, err as NodeJS.ErrnoException);
    }
    return { wal, recovered: wal.recover() };
  }

  private recover(): Recovered {
    const found: Recovered = { segments: [], corruptBytes: 0, corruptFiles: [], staleRemoved: 0, legacyPoints: 0 };
    const names = readdirSync(this.dir).sort();
    for (const n of names) {
      if (n.endsWith('.tmp')) {
        unlinkSync(join(this.dir, n));
        found.staleRemoved++;
      }
    }
    for (const n of names) {
      const m = SEGMENT.exec(n);
      if (!m) continue;
      const seq = Number(m[1]);
      this.nextSeq = Math.max(this.nextSeq, seq + 1);
      const file = join(this.dir, n);
      const buf = readFileSync(file);
      const { points, good } = decodeSegment(buf);
      if (good < buf.length) {
        found.corruptFiles.push(this.quarantine(file, buf, good));
        found.corruptBytes += buf.length - good;
      }
      if (good === 0) unlinkSync(file);
      else found.segments.push({ seq, file, points, bytes: good });
    }
    // Files of the spool this log replaced (one batch of line protocol each): carried over once.
    for (const n of names.filter((x) => /^\d+-\d+-\d+\.lp$/.test(x))) {
      const file = join(this.dir, n);
      const body = readFileSync(file, 'utf8').replace(/\n$/, '');
      if (body !== '') {
        const lines = body.split('\n').length;
        this.append(body, lines);
        found.legacyPoints += lines;
        const segment = this.seal();
        if (segment) found.segments.push(segment);
      }
      unlinkSync(file);
    }
    return found;
  }

  /** Moves the bad tail of a segment to corrupt/ and cuts the segment at its last intact record. */
  private quarantine(file: string, buf: Buffer, good: number): string {
    const dir = join(this.dir, 'corrupt');
    mkdirSync(dir, { recursive: true });
    const target = join(dir, `${file.slice(this.dir.length + 1)}.at-${good}.${Date.now()}`);
    writeFileSync(target, buf.subarray(good));
    if (good > 0) {
      const fd = openSync(file, 'r+');
      try {
        ftruncateSync(fd, good);
      } finally {
        closeSync(fd);
      }
    }
    return target;
  }

  /**
   * Appends one record to the open segment (creating it when none is open). On return the record is
   * in the kernel: it survives a crash of this process. Throws when the disk refuses it (full,
   * read-only, I/O error); the segment is then cut back to its last whole record.
   */
  append(body: string, points: number): void {
    const buf = encode(body, points);
    if (!this.open) {
      const seq = this.nextSeq++;
      const file = join(this.dir, name(seq));
      this.open = { segment: { seq, file, points: 0, bytes: 0, bodies: [] }, fd: openSync(file, 'a') };
      this.openedAt = Date.now();
      this.dirDirty = true;
    }
    const { segment, fd } = this.open;
    let written = 0;
    try {
      written = writeSync(fd, buf);
      if (written !== buf.length) throw Object.assign(new Error(`short write: ${written} of ${buf.length} bytes`), { code: 'ENOSPC' });
    } catch (err) {
      this.abandonTail(written);
      throw err;
    }
    segment.points += points;
    segment.bytes += buf.length;
    segment.bodies!.push(body);
    if (this.policy !== 'never') this.dirty.add(fd);
  }

  /** After a failed append: cut the partial record; if that fails too, the checksum finds it at the next read. */
  private abandonTail(written: number): void {
    const { segment, fd } = this.open!;
    if (written === 0) return;
    try {
      ftruncateSync(fd, segment.bytes);
    } catch {
      // Sealed as it is: the checksum finds the partial record when the segment is read.
      this.open = undefined;
      if (this.policy === 'never') closeSync(fd);
      else this.closeAfterSync.push(fd);
    }
  }

  /** Closes the open segment (the next append starts a new one) and returns it; undefined when none has records. */
  seal(): Segment | undefined {
    const open = this.open;
    if (!open) return undefined;
    this.open = undefined;
    if (open.segment.points === 0 && open.segment.bytes === 0) {
      closeSync(open.fd);
      unlinkSync(open.segment.file);
      return undefined;
    }
    if (this.policy === 'never') closeSync(open.fd);
    else {
      // Synced at once (off the event loop), then closed: its appends are done, so nothing waits on it.
      this.closeAfterSync.push(open.fd);
      void this.sync();
    }
    return open.segment;
  }

  private closeAfterSync: number[] = [];

  /**
   * Group commit: one fdatasync per sealed segment (and one of the directory for new files) covers
   * every append made to it. The open segment is synced only by policy always, or by interval once
   * it has been open that long: an fdatasync of the file being appended to can stall the append
   * (the event loop) on a busy disk, and the writer seals a segment every INGEST_FLUSH_MS anyway.
   */
  sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      try {
        do {
          this.syncAgain = false;
          const closing = this.closeAfterSync.splice(0);
          const open = this.open;
          const openDue = open !== undefined && this.dirty.has(open.fd) && (this.policy === 'always' || Date.now() - this.openedAt >= this.intervalMs);
          const fds = openDue ? [...closing, open.fd] : closing;
          for (const fd of fds) this.dirty.delete(fd);
          const dirDirty = this.dirDirty;
          this.dirDirty = false;
          await Promise.all(fds.map((fd) => new Promise<void>((resolve) => fdatasync(fd, () => resolve()))));
          if (dirDirty) await syncDir(this.dir);
          for (const fd of closing) closeSync(fd);
        } while (this.syncAgain);
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  /** Policy always: a promise that resolves once every append so far is fsynced; otherwise undefined (nothing to wait for). */
  durable(): Promise<void> | undefined {
    if (this.policy !== 'always' || (this.dirty.size === 0 && !this.dirDirty && !this.syncing && this.closeAfterSync.length === 0)) return undefined;
    return this.sync();
  }

  /** The bodies of a sealed segment, read back from disk; a bad tail (only after a failed write) is moved aside. */
  read(segment: Segment): { bodies: string[]; corruptBytes: number; corruptFile?: string } {
    const buf = readFileSync(segment.file);
    const { bodies, good } = decodeSegment(buf);
    if (good === buf.length) return { bodies, corruptBytes: 0 };
    return { bodies, corruptBytes: buf.length - good, corruptFile: this.quarantine(segment.file, buf, good) };
  }

  remove(segment: Segment): void {
    try {
      unlinkSync(segment.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Moves a segment InfluxDB refused as invalid to rejected/, for a person to inspect; returns its new path. */
  reject(segment: Segment): string {
    const dir = join(this.dir, 'rejected');
    mkdirSync(dir, { recursive: true });
    const target = join(dir, name(segment.seq));
    renameSync(segment.file, target);
    return target;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.seal();
    if (this.policy !== 'never') await this.sync();
    for (const fd of this.closeAfterSync.splice(0)) closeSync(fd);
  }
}

/**
 * mkdir -p that reports the real reason: Node's recursive mkdir says ENOENT when a missing directory
 * cannot be created on a read-only file system; creating the first missing one alone says EROFS/EACCES.
 */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const missing: string[] = [];
    for (let d = dir; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
    for (const d of missing) mkdirSync(d);
    throw err;
  }
}

function syncDir(dir: string): Promise<void> {
  return new Promise((resolve) => {
    let fd: number;
    try {
      fd = openSync(dir, 'r');
    } catch {
      return resolve();
    }
    fsync(fd, () => {
      closeSync(fd);
      resolve();
    });
  });
}
