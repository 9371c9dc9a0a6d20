import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A private HAProxy (Debian package haproxy) running a given configuration, for the one-machine
// cluster and the tests: the config is checked first (haproxy -c), so a mistake is a clear error.

export interface PrivateHaproxy {
  child: ChildProcess;
  configFile: string;
  stop(): Promise<void>;
}

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('haproxy', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** Starts haproxy on `config` and resolves once `port` accepts connections. */
export async function startPrivateHaproxy(config: string, port: number, timeoutMs = 10_000): Promise<PrivateHaproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'qdyz-haproxy-'));
  const configFile = join(dir, 'haproxy.cfg');
  writeFileSync(configFile, config);
  const check = await run(['-c', '-q', '-f', configFile]);
  if (check.code !== 0) throw new Error(`haproxy refused its configuration ${configFile}: ${check.output.trim()}`);
  // -db: stay in the foreground, so the process is ours to stop.
  const child = spawn('haproxy', ['-db', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  for (const end = Date.now() + timeoutMs; !(await listening(port)); ) {
    if (child.exitCode !== null || Date.now() > end) {
      await stop();
      throw new Error(`haproxy did not listen on ${port}: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, configFile, stop };
}
