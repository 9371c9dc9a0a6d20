import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { parseRegistry } from '../../domain/registry.js';
import { projectPath } from '../../lib/paths.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { startTestBroker } from '../helpers/broker.js';

const registry = loadRegistryFile();

function sim(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', projectPath('device-sim/main.ts'), ...args], { cwd: projectPath(), timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-sim-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('--help explains every option and command', async (t) => {
  const { code, stdout } = await sim(['--help']);
  t.is(code, 0);
  for (const flag of ['--broker', '--registry', '--credentials', '--stations', '--seed', '--speed', '--start', '--duration', '--faults', '--fault', '--bad-input', '--late-share', '--qos', '--source-addresses', '--frozen-subscriber', '--json']) {
    t.regex(stdout, new RegExp(`${flag}\\b[^\\n]*\\S`), flag);
  }
  for (const command of ['backfill', 'load', 'clone-registry']) t.regex(stdout, new RegExp(`\\n\\s+${command} `), command);
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

test('a short run connects, publishes and prints its summary as JSON', async (t) => {
  const ids = registry.stations.slice(0, 5).map((s) => s.id);
  const b = await startTestBroker({ registry, stationIds: ids });
  t.teardown(b.close);
  const { code, stdout, stderr } = await sim(['--broker', b.url, '--credentials', join(b.dir, 'dev-credentials.json'), '--stations', ids.join(','), '--speed', '60', '--duration', '3s', '--json', '--no-progress']);
  t.is(code, 0, stderr);
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { stations: number; acknowledged: number; failed: number; latencyMs: { p99: number } };
  t.is(summary.stations, 5);
  t.true(summary.acknowledged > 20);
  t.is(summary.failed, 0);
});
