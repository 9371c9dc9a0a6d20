import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import test from 'ava';
import mqtt from 'mqtt';
import { loadDevCredentials } from '../../lib/dev-credentials.js';
import { projectPath } from '../../lib/paths.js';

// The standalone entry point: dev credentials on request, metrics endpoint, clean stop on SIGTERM.

function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', projectPath('broker/main.ts')], {
    cwd: projectPath(),
    env: { ...process.env, LOG_LEVEL: 'info', MQTT_PORT: '0', MQTT_WS_PORT: '0', BROKER_METRICS_PORT: '0', ...env },
  });
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<{ event: string; resolve: (e: Record<string, unknown>) => void }> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const entry = JSON.parse(line) as Record<string, unknown>;
    events.push(entry);
    for (const w of waiters.filter((w) => w.event === entry.event)) w.resolve(entry);
  });
  const waitFor = (event: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const seen = events.find((e) => e.event === event);
      if (seen) return resolve(seen);
      waiters.push({ event, resolve });
      child.once('exit', (code) => reject(new Error(`broker exited (${code}) before ${event}: ${JSON.stringify(events)}`)));
    });
  return { child, events, waitFor };
}

test('main generates dev credentials when asked, serves MQTT and /metrics, and stops cleanly on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-broker-main-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const devCredentialsFile = join(dir, 'dev.json');
  const main = startMain({ BROKER_DEV_CREDENTIALS: 'true', BROKER_ACCOUNTS_FILE: join(dir, 'accounts.json'), DEV_CREDENTIALS_FILE: devCredentialsFile });
  t.teardown(() => main.child.kill('SIGKILL'));

  const listening = await main.waitFor('broker_listening');
  const metrics = await main.waitFor('metrics_listening');
  const credentials = loadDevCredentials(devCredentialsFile);
  t.is(Object.keys(credentials).length, 600 + 3);

  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${listening.port}`, {
    username: 'svc-ingest', password: credentials['svc-ingest'], clientId: 'svc-ingest', protocolVersion: 4, reconnectPeriod: 0,
  });
  const body = await (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();
  t.regex(body, /broker_clients_connected\{role="service"[^}]*\} 1/);

  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  main.child.kill('SIGTERM');
  const [code] = (await once(main.child, 'exit')) as [number | null];
  await closed;
  t.is(code, 0);
  t.truthy(main.events.find((e) => e.event === 'broker_closed'));
});

test('main refuses to start without an accounts file and says how to create one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-broker-main-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const main = startMain({ BROKER_ACCOUNTS_FILE: join(dir, 'missing.json') });
  const [code] = (await once(main.child, 'exit')) as [number | null];
  t.is(code, 1);
  t.regex(String(main.events.find((e) => e.event === 'start_failed')?.msg), /npm run credentials -- generate/);
});
