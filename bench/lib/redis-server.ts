import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { freePort } from '../../lib/influx/private-influxd.js';
import { stopChild, waitForPort } from './proc.js';

// A private redis-server (Debian's) on a free loopback port: no persistence, its files in `dir`.

export interface PrivateRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startPrivateRedis(dir: string): Promise<PrivateRedis> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  // maxclients: every broker node and ingest worker holds a few links; the default 10,000 is plenty.
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await waitForPort(port, 30_000);
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopChild(child) };
}
