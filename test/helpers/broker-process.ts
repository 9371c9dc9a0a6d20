import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { projectPath } from '../../lib/paths.js';

export interface BrokerProcess {
  child: ChildProcess;
  /** Every JSON log line so far. */
  events: Array<Record<string, unknown>>;
  /** The first log line with this `event` (already seen or still to come); rejects if the process exits first. */
  waitFor(event: string): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The standalone broker (broker/main.ts) as its own process, logging JSON at info; env adds to and overrides the defaults. */
export function spawnBroker(env: Record<string, string>): BrokerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', projectPath('broker/main.ts')], {
    cwd: projectPath(),
    env: { ...process.env, LOG_LEVEL: 'info', MQTT_PORT: '0', MQTT_WS_PORT: '0', BROKER_METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<{ event: string; resolve: (e: Record<string, unknown>) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const entry = JSON.parse(line) as Record<string, unknown>;
    events.push(entry);
    for (const w of waiters.filter((w) => w.event === entry.event)) w.resolve(entry);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (event: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const seen = events.find((e) => e.event === event);
      if (seen) return resolve(seen);
      waiters.push({ event, resolve });
      void exited.then(({ code }) => reject(new Error(`broker exited (${code}) before ${event}: ${JSON.stringify(events.slice(-5))}`)));
    });
  return { child, events, waitFor, exited };
}

/** A TCP port free at the time of asking (for a broker that must come back on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
