import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import mqtt from 'mqtt';
import { loadDevCredentials } from '../../lib/dev-credentials.js';
import { spawnBroker } from '../helpers/broker-process.js';

// The standalone entry point: dev credentials on request, metrics endpoint, clean stop on SIGTERM.

test('main generates dev credentials when asked, serves MQTT and /metrics, and stops cleanly on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-broker-main-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const devCredentialsFile = join(dir, 'dev.json');
  const main = spawnBroker({
    BROKER_DEV_CREDENTIALS: 'true',
    BROKER_ACCOUNTS_FILE: join(dir, 'accounts.json'),
    DEV_CREDENTIALS_FILE: devCredentialsFile,
    BROKER_DATA_DIR: join(dir, 'broker'),
  });
  t.teardown(() => main.child.kill('SIGKILL'));

  const listening = await main.waitFor('broker_listening');
  const metrics = await main.waitFor('metrics_listening');
  const credentials = loadDevCredentials(devCredentialsFile);
  t.is(Object.keys(credentials).length, 600 + 3);

  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${listening.port}`, {
    username: 'svc-ingest',
    password: credentials['svc-ingest'],
    clientId: 'svc-ingest',
    protocolVersion: 4,
    reconnectPeriod: 0,
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
  const main = spawnBroker({ BROKER_ACCOUNTS_FILE: join(dir, 'missing.json') });
  const [code] = (await once(main.child, 'exit')) as [number | null];
  t.is(code, 1);
  t.regex(String(main.events.find((e) => e.event === 'start_failed')?.msg), /npm run credentials -- generate/);
});
