import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './influx/private-influxd.js';

export const REDIS_SERVER_BIN = '/usr/bin/redis-server';

export interface PrivateRedis {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  dir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** Kept after stop() (the append-only file lives here); without it a temp dir is created and removed on stop(). */
  dir?: string;
  /** A free one when absent. */
  port?: number;
  /**
   * AOF fsync policy. everysec (default): a reply means the write is in the AOF through write(2), so a crash of
   * Redis loses nothing acknowledged, and a power loss at most about the last second (Redis' documented trade-off);
   * always: fsync before the reply (power loss too, at a disk flush per write batch).
   */
  appendfsync?: 'always' | 'everysec';
  startTimeoutMs?: number;
}

/**
 * A private redis-server (Debian package redis-server) for the broker cluster: loopback only, its own port and
 * directory, append-only file on, no RDB snapshots (the AOF is the durability), logs in <dir>/redis.log.
 */
export async function startPrivateRedis(opts: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const ownDir = !opts.dir;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'qdyz-redis-'));
  mkdirSync(dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const child = spawn(
    REDIS_SERVER_BIN,
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--logfile', join(dir, 'redis.log')],
      ...['--appendonly', 'yes', '--appendfsync', opts.appendfsync ?? 'everysec', '--save', ''],
      // A broker cluster's queues must not be evicted: at the memory limit writes fail, and so do the PUBACKs.
      ...['--maxmemory-policy', 'noeviction', '--daemonize', 'no'],
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(url, child, opts.startTimeoutMs ?? 15_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, dir, child, stop };
}

async function waitForPing(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}) while starting`);
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      // Loading the AOF answers LOADING until done.
      if ((await client.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > end) throw new Error(`redis-server on ${url} not ready within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.disconnect();
    }
  }
}
