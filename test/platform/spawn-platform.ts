import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ExecutionContext } from 'ava';
import { readConfig } from '../../lib/config.js';
import { PROJECT_ROOT } from '../../lib/paths.js';
import { PlatformConfigSchema, type PlatformConfig } from '../../platform/config.js';

export interface SpawnedPlatform {
  /** Its temp dir (every file of the platform is in it), removed at teardown. */
  dir: string;
  /** The configuration the platform reads from the environment it was given. */
  config: PlatformConfig;
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the output matches, else fails after the timeout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
}

/** `npm start` (platform/main.ts) with every port free-picked and every file in a temp dir. */
export function spawnPlatform(t: ExecutionContext, env: Record<string, string> = {}): SpawnedPlatform {
  const dir = mkdtempSync(join(tmpdir(), 'platform-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string) => join(dir, name);
  const childEnv = {
    ...process.env,
    LOG_LEVEL: 'warn',
    SIM_FILL_MAX_HOURS: '1',
    // The month of history a default start writes is measured by bench/fill-history.ts, not here.
    SIM_FILL_DAYS: '0',
    MQTT_PORT: '0',
    MQTT_WS_PORT: '0',
    DASHBOARD_PORT: '0',
    PLATFORM_METRICS_PORT: '0',
    PLATFORM_INFLUXD_PORT: '0',
    PLATFORM_INFLUXD_DIR: at('influxdb'),
    BROKER_ACCOUNTS_FILE: at('accounts.json'),
    BROKER_DATA_DIR: at('broker'),
    DEV_CREDENTIALS_FILE: at('dev-credentials.json'),
    DATABASE_URL: `sqlite:${at('platform.db')}`,
    DASHBOARD_USERS_FILE: at('users.json'),
    DASHBOARD_AUDIT_FILE: at('audit.jsonl'),
    DASHBOARD_ACCEPTANCE_FILE: at('acceptance.json'),
    INGEST_SPOOL_DIR: at('spool-ingest'),
    ALERTING_SPOOL_DIR: at('spool-alerting'),
    ALERTING_REPORTS_DIR: at('reports'),
    ALERTING_NOTIFICATIONS_FILE: at('none.json'),
    ...env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'platform/main.ts'], { cwd: PROJECT_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGTERM, so the platform stops its influxd (detached, in a process group of its own, which a
    // SIGKILL of the platform would leave running); SIGKILL only if it does not stop in time.
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  });
  return {
    dir,
    config: readConfig(PlatformConfigSchema, childEnv),
    child,
    output: () => out,
    exited,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(out);
        if (m) return m;
        if (Date.now() > deadline || child.exitCode !== null || child.signalCode !== null)
          throw new Error(`${pattern} not seen in the platform output:\n${out.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
