import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestFn } from 'ava';
import { Redis } from 'ioredis';
import { freePort } from '../../lib/influx/private-influxd.js';

// A real redis-server (Debian package redis-server) per test file: loopback, a free port, a temp dir,
// no persistence (test data); stopped and removed after the file's tests.

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-redis-'));
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  for (const end = Date.now() + 15_000; ; ) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') break;
    } catch {
      if (child.exitCode !== null || Date.now() > end) {
        await stop();
        throw new Error(`redis-server on ${url} did not start: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.disconnect();
    }
  }
  return { url, port, stop };
}

/** One redis-server per test file, started in a serial before hook and stopped after. */
export function withRedis(test: TestFn<unknown>): { redis(): TestRedis } {
  let instance: TestRedis | undefined;
  test.serial.before(async () => {
    instance = await startTestRedis();
  });
  test.after.always(async () => {
    await instance?.stop();
  });
  return {
    redis() {
      if (!instance) throw new Error('redis not started: call withRedis(test) at the top of the test file');
      return instance;
    },
  };
}
