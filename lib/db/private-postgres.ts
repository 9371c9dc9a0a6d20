import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { freePort } from '../influx/private-influxd.js';
import type { Logger } from '../logger.js';

// A real PostgreSQL (Debian `postgresql`, 15) of our own on a loopback port, for tests and the
// one-machine cluster: its own cluster directory, trust auth on 127.0.0.1 only, no Unix socket.
// PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user.

export const POSTGRES_BIN_DIR = '/usr/lib/postgresql/15/bin';
export const SUPERUSER = 'platform';

export interface PrivatePostgres {
  /** postgres://platform@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  dataDir: string;
  /** Creates a database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** Kept after stop() (initialised on first use); without it a temp dir is created and removed on stop(). */
  dataDir?: string;
  port?: number;
  /** Skip fsync: fast, and loses data on a power cut — for tests only. */
  durable?: boolean;
  logger?: Logger;
  startTimeoutMs?: number;
}

/** uid/gid to run as: the postgres system user when we are root, else ourselves. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

async function run(bin: string, args: string[], as: { uid: number; gid: number } | undefined): Promise<void> {
  const child = spawn(join(POSTGRES_BIN_DIR, bin), args, { ...as, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  const code = await exited(child);
  if (code !== 0) throw new Error(`${bin} exited with ${code}: ${stderr.trim()}`);
}

async function ready(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const PORT_IN_USE = /could not bind|address already in use/i;
class PortInUseError extends Error {}

export async function startPrivatePostgres(opts: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  if (!existsSync(join(POSTGRES_BIN_DIR, 'postgres'))) {
    throw new Error(`${POSTGRES_BIN_DIR}/postgres not found: install PostgreSQL 15 (as root: apt-get install postgresql)`);
  }
  const as = runAs();
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'qdyz-postgres-')));
  try {
    // Parents with the usual mode (as root the postgres user must pass through them), the cluster itself 0700.
    await mkdir(dirname(dataDir), { recursive: true });
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (as) await chown(dataDir, as.uid, as.gid);
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      await run(
        'initdb',
        ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', ...(opts.durable === false ? ['--no-sync'] : [])],
        as,
      );
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await launch(dataDir, ownDir, as, opts);
      } catch (e) {
        if (!(e instanceof PortInUseError) || opts.port !== undefined || attempt >= 5) throw e;
      }
    }
  } catch (e) {
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
}

async function launch(dataDir: string, ownDir: boolean, as: { uid: number; gid: number } | undefined, opts: PrivatePostgresOptions): Promise<PrivatePostgres> {
  const port = opts.port ?? (await freePort());
  const settings = ['listen_addresses=127.0.0.1', `port=${port}`, 'unix_socket_directories=', 'logging_collector=off', 'log_min_messages=warning'];
  if (opts.durable === false) settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off');
  // Own process group, like the private influxd: a terminal's Ctrl-C must not stop it before the services flush.
  const child = spawn(join(POSTGRES_BIN_DIR, 'postgres'), ['-D', dataDir, ...settings.flatMap((s) => ['-c', s])], {
    ...as,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const done = exited(child);
  let gone = false;
  void done.then(() => (gone = true));
  const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  while (!(await ready(url))) {
    if (gone || Date.now() > deadline) {
      child.kill('SIGKILL');
      await done;
      process.removeListener('exit', killOnExit);
      if (PORT_IN_USE.test(stderr)) throw new PortInUseError(`postgres: port ${port} in use`);
      throw new Error(`postgres did not accept connections on ${url} (${gone ? `exited with ${child.exitCode}` : 'timed out'}): ${stderr.trim().slice(-800)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  opts.logger?.info({ url, dataDir, pid: child.pid }, 'private postgres started');

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    dataDir,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`database name ${name}: lower-case letters, digits and _`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    stop: () =>
      (stopping ??= (async () => {
        // SIGINT: PostgreSQL's "fast" shutdown (ends sessions, checkpoints, exits).
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await done;
        clearTimeout(timer);
        process.removeListener('exit', killOnExit);
        if (ownDir) await rm(dataDir, { recursive: true, force: true });
        opts.logger?.info({ url }, 'private postgres stopped');
      })()),
  };
}
