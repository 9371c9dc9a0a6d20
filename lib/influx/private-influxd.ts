import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../logger.js';

export const INFLUXD_BIN = '/usr/bin/influxd';

export interface PrivateInfluxd {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface PrivateInfluxdOptions {
  /** Kept after stop(); without it a temp dir is created and removed on stop(). */
  dataDir?: string;
  /** HTTP port; a free one when absent. */
  port?: number;
  logger?: Logger;
  startTimeoutMs?: number;
  /** Aborting it while influxd starts kills it and rejects with the abort reason. */
  signal?: AbortSignal;
}

/** Asks the OS for a free loopback port. Another process may take it before we bind: callers retry. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A config for one private instance: loopback only, nothing phoned home, no _internal database, quiet logs. */
export function influxdConfig(dataDir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = ${JSON.stringify(join(dataDir, 'meta'))}
  logging-enabled = false

[data]
  dir = ${JSON.stringify(join(dataDir, 'data'))}
  wal-dir = ${JSON.stringify(join(dataDir, 'wal'))}
  query-log-enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = false
  log-enabled = false
  pprof-enabled = false

[logging]
  level = "warn"
  suppress-logo = true

[continuous_queries]
  log-enabled = false
`;
}

async function pingOnce(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return res.status === 204;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

const PORT_IN_USE = /address already in use/i;

/**
 * Starts a real InfluxDB 1.x (the Debian `influxdb` package) on loopback ports of its own, with its
 * own config and data dir, and resolves once GET /ping answers 204.
 */
export async function startPrivateInfluxd(opts: PrivateInfluxdOptions = {}): Promise<PrivateInfluxd> {
  if (!existsSync(INFLUXD_BIN)) {
    throw new Error(`${INFLUXD_BIN} not found: install InfluxDB 1.x with \`bash scripts/system-deps.sh influxdb\` (as root; Debian package "influxdb")`);
  }
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'qdyz-influxd-')));
  await mkdir(dataDir, { recursive: true });
  try {
    // A port picked by freePort() can be taken by someone else before influxd binds it: retry with new ones.
    for (let attempt = 1; ; attempt++) {
      try {
        return await launch(dataDir, ownDir, opts);
      } catch (e) {
        if (!(e instanceof PortInUseError) || opts.port !== undefined || attempt >= 5) throw e;
      }
    }
  } catch (e) {
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
}

class PortInUseError extends Error {}

async function launch(dataDir: string, ownDir: boolean, opts: PrivateInfluxdOptions): Promise<PrivateInfluxd> {
  opts.signal?.throwIfAborted();
  const port = opts.port ?? (await freePort());
  const rpcPort = await freePort();
  const configFile = join(dataDir, 'influxd.conf');
  await writeFile(configFile, influxdConfig(dataDir, port, rpcPort));

  // INFLUXDB_* variables override the config file: keep the caller's environment out of it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('INFLUXDB_')));
  // Own process group: Ctrl-C in a terminal signals the whole foreground group, and influxd must outlive
  // that long enough for the services to flush into it; stop() ends it afterwards.
  const child = spawn(INFLUXD_BIN, ['run', '-config', configFile], { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);

  const done = exited(child);
  let gone = false;
  void done.then(() => {
    gone = true;
  });
  while (!(await pingOnce(url))) {
    if (gone || Date.now() > deadline || opts.signal?.aborted) {
      child.kill('SIGKILL');
      await done;
      process.removeListener('exit', killOnExit);
      opts.signal?.throwIfAborted();
      if (PORT_IN_USE.test(stderr)) throw new PortInUseError(`influxd: port in use (${port}/${rpcPort})`);
      throw new Error(`influxd did not answer /ping on ${url} (${gone ? `exited with ${child.exitCode}` : 'timed out'}): ${stderr.trim().slice(-800)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  opts.logger?.info({ url, dataDir, pid: child.pid }, 'private influxd started');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
      process.removeListener('exit', killOnExit);
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
      opts.logger?.info({ url }, 'private influxd stopped');
    })());
  return { url, port, dataDir, stop };
}
