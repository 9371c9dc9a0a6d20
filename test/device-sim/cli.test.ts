import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { parseRegistry } from '../../domain/registry.js';
import { readConfig } from '../../lib/config.js';
import { projectPath } from '../../lib/paths.js';
import { PlatformConfigSchema } from '../../platform/config.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { fleetOf, maxFleetSize } from '../../device-sim/clone.js';
import { freePort } from '../../lib/influx/private-influxd.js';
import { startTestBroker } from '../helpers/broker.js';

const registry = loadRegistryFile();

function sim(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', projectPath('device-sim/main.ts'), ...args],
      { cwd: projectPath(), timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The CLI as a child process, to signal it while it runs. */
function simProcess(t: { teardown(fn: () => void): void }, args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', projectPath('device-sim/main.ts'), ...args], {
    cwd: projectPath(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    out: () => ({ stdout, stderr }),
    async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stdout)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${pattern} not seen:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    /** The exit, or null when it has not exited within the time (a timer that keeps no test worker alive after its exit). */
    exitWithin: (ms: number) => Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), ms).unref())]),
  };
}

type Summary = { stations: number; sent: number; acknowledged: number; failed: number; simulatedTime: number };
const lastJson = (stdout: string): Summary => JSON.parse(stdout.trim().split('\n').at(-1)!) as Summary;

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-sim-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('--help explains every option and command', async (t) => {
  const { code, stdout } = await sim(['--help']);
  t.is(code, 0);
  for (const flag of [
    '--broker',
    '--registry',
    '--credentials',
    '--stations',
    '--seed',
    '--speed',
    '--start',
    '--duration',
    '--faults',
    '--fault',
    '--bad-input',
    '--late-share',
    '--qos',
    '--source-addresses',
    '--frozen-subscriber',
    '--json',
  ]) {
    t.regex(stdout, new RegExp(`${flag}\\b[^\\n]*\\S`), flag);
  }
  for (const command of ['backfill', 'load', 'clone-registry']) t.regex(stdout, new RegExp(`\\n\\s+${command} `), command);
});

test('the CLI and npm start default to the same seed', async (t) => {
  const { stdout } = await sim(['--help']);
  t.regex(stdout, new RegExp(`--seed <n>[\\s\\S]*?\\(default: ${readConfig(PlatformConfigSchema, {}).SIM_SEED}\\)`));
});

test('a bad fault plan is refused with each problem named', async (t) => {
  const file = join(tempDir(t), 'plan.json');
  writeFileSync(file, JSON.stringify({ faults: [{ kind: 'appliance_fault', stations: ['SN-0001'], appliance: 'toaster', code: 'E1' }] }));
  const { code, stderr } = await sim(['--no-auth', '--faults', file, '--stations', '1']);
  t.not(code, 0);
  t.regex(stderr, /invalid fault plan/);
  t.regex(stderr, /faults\[0\]\.appliance/);
});

test('clone-registry writes a valid registry with unique new ids', async (t) => {
  const out = join(tempDir(t), 'stations.json');
  const { code } = await sim(['clone-registry', '--count', String(registry.stations.length + 50), '--out', out]);
  t.is(code, 0);
  const cloned = parseRegistry(JSON.parse(readFileSync(out, 'utf8')));
  t.is(cloned.stations.length, registry.stations.length + 50);
  t.deepEqual(cloned.stations.slice(0, registry.stations.length), registry.stations);
});

test('clone-registry refuses a count above what the districts can hold, naming the limit', async (t) => {
  const max = maxFleetSize(registry);
  t.is(fleetOf(registry, max).length, max, 'the largest fleet can be made');
  t.is(new Set(fleetOf(registry, max).map((s) => s.id)).size, max);
  t.throws(() => fleetOf(registry, max + 1), { message: new RegExp(`at most ${max} stations`) });
  const { code, stderr } = await sim(['clone-registry', '--count', String(max + 1), '--out', join(tempDir(t), 'x.json')]);
  t.not(code, 0);
  t.regex(stderr, new RegExp(`--count ${max + 1}: at most ${max} stations`));
});

test('a short run connects, publishes and prints its summary as JSON', async (t) => {
  const ids = registry.stations.slice(0, 5).map((s) => s.id);
  const b = await startTestBroker({ registry, stationIds: ids });
  t.teardown(b.close);
  const { code, stdout, stderr } = await sim([
    '--broker',
    b.url,
    '--credentials',
    join(b.dir, 'dev-credentials.json'),
    '--stations',
    ids.join(','),
    '--speed',
    '60',
    '--duration',
    '3s',
    '--json',
    '--no-progress',
  ]);
  t.is(code, 0, stderr);
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { stations: number; acknowledged: number; failed: number; latencyMs: { p99: number } };
  t.is(summary.stations, 5);
  t.true(summary.acknowledged > 20);
  t.is(summary.failed, 0);
});

test('load: the first Ctrl-C while stations are still connecting stops with the summary', async (t) => {
  // Nothing listens there: the stations keep trying to connect.
  const port = await freePort();
  const sim = simProcess(t, ['--broker', `mqtt://127.0.0.1:${port}`, '--no-auth', '--stations', '3', '--json', '--no-progress', 'load', '--rate', '1']);
  await sim.waitFor(/station connection error/);
  sim.child.kill('SIGINT');
  const exit = await sim.exitWithin(15_000);
  t.deepEqual(exit, { code: 0, signal: null }, 'stopped after one SIGINT');
  const summary = lastJson(sim.out().stdout);
  t.is(summary.stations, 3);
  t.is(summary.sent, 0, 'nothing published after the stop');
});

test('backfill: Ctrl-C stops cleanly, every message sent is acknowledged, the summary is printed', async (t) => {
  const ids = registry.stations.slice(0, 3).map((s) => s.id);
  const b = await startTestBroker({ registry, stationIds: ids });
  t.teardown(b.close);
  const to = Date.now() - 3600_000;
  const from = to - 300 * 86_400_000;
  const args = [
    '--broker',
    b.url,
    '--credentials',
    join(b.dir, 'dev-credentials.json'),
    '--stations',
    ids.join(','),
    '--json',
    '--no-progress',
    '--log-level',
    'info',
  ];
  const sim = simProcess(t, [...args, 'backfill', '--from', new Date(from).toISOString(), '--to', new Date(to).toISOString()]);
  await sim.waitFor(/backfill started/);
  await new Promise((r) => setTimeout(r, 1000));
  sim.child.kill('SIGINT');
  const exit = await sim.exitWithin(15_000);
  t.deepEqual(exit, { code: 0, signal: null }, sim.out().stderr);
  const summary = lastJson(sim.out().stdout);
  t.true(summary.sent > 0, 'it was replaying');
  t.is(summary.failed, 0);
  t.is(summary.acknowledged, summary.sent, 'in-flight messages were awaited');
  t.true(summary.simulatedTime < to - 86_400_000, 'it stopped early');
  t.regex(sim.out().stderr, /backfill interrupted/);
});
