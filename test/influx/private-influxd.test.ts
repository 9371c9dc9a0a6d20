import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivateInfluxd } from '../../lib/influx/private-influxd.js';

test('a private influxd answers /ping on loopback and removes its temp dir on stop', async (t) => {
  const influxd = await startPrivateInfluxd();
  t.regex(influxd.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await fetch(`${influxd.url}/ping`);
  t.is(res.status, 204);
  t.regex(res.headers.get('x-influxdb-version') ?? '', /^1\./);
  const config = await readFile(join(influxd.dataDir, 'influxd.conf'), 'utf8');
  t.regex(config, /reporting-disabled = true/);
  t.regex(config, /store-enabled = false/);
  t.regex(config, /^bind-address = "127\.0\.0\.1:\d+"$/m);
  await influxd.stop();
  t.false(existsSync(influxd.dataDir));
  await t.throwsAsync(fetch(`${influxd.url}/ping`));
});

test('a given data dir survives a restart on the same port, with its data', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'qdyz-influxd-keep-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const first = await startPrivateInfluxd({ dataDir });
  await fetch(`${first.url}/query`, { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE kept' }) });
  await first.stop();
  t.true(existsSync(join(dataDir, 'meta')));
  const second = await startPrivateInfluxd({ dataDir, port: first.port });
  t.teardown(() => second.stop());
  const res = await fetch(`${second.url}/query?q=SHOW%20DATABASES`);
  t.regex(await res.text(), /"kept"/);
});
