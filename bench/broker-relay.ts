// bench/broker-relay: the broker's CPU per QoS 1 message relayed from stations to the ingest's persistent
// session, with the session journal off (memory only), on under each fsync policy, and as one node of a
// cluster on a private redis-server (mode `redis`: AOF, appendfsync everysec; Redis' own CPU reported too).
// The broker runs as its own process (its CPU read from /proc); stations and the subscriber share this
// process. Prints one JSON object.
//
//   npx tsx bench/broker-relay.ts
//   BENCH_RELAY_MESSAGES=60000 BENCH_RELAY_STATIONS=50 BENCH_RELAY_MODES=memory,no,everysec,always,redis
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { TELEMETRY_SUBSCRIPTIONS, telemetryTopic } from '../domain/topics.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { freePort } from '../lib/influx/private-influxd.js';
import { loadDevCredentials } from '../lib/dev-credentials.js';
import { startPrivateRedis, type PrivateRedis } from '../lib/private-redis.js';
import { sample, startTs, stopChild, waitForPort } from './lib/proc.js';

const messages = Number(process.env.BENCH_RELAY_MESSAGES ?? 60_000);
const stationCount = Number(process.env.BENCH_RELAY_STATIONS ?? 50);
const modes = (process.env.BENCH_RELAY_MODES ?? 'memory,no,everysec,always').split(',');
const IN_FLIGHT_PER_STATION = 20;

async function run(mode: string, dir: string) {
  const port = await freePort();
  const redis: PrivateRedis | null = mode === 'redis' ? await startPrivateRedis({ dir: join(dir, 'redis') }) : null;
  const broker = startTs(
    'broker/main.ts',
    {
      BROKER_DEV_CREDENTIALS: 'true',
      BROKER_ACCOUNTS_FILE: join(dir, 'accounts.json'),
      DEV_CREDENTIALS_FILE: join(dir, 'dev.json'),
      BROKER_DATA_DIR: mode === 'memory' || redis ? 'none' : join(dir, `broker-${mode}`),
      BROKER_FSYNC: mode === 'memory' || redis ? 'no' : mode,
      ...(redis && { BROKER_REDIS_URL: redis.url }),
      MQTT_PORT: String(port),
      MQTT_WS_PORT: '0',
      BROKER_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    },
    false,
    join(dir, 'broker.log'),
  );
  try {
    await waitForPort(port);
    const credentials = loadDevCredentials(join(dir, 'dev.json'));
    const url = `mqtt://127.0.0.1:${port}`;
    const login = (id: string, clean = true) =>
      mqtt.connectAsync(url, { username: id, password: credentials[id], clientId: id, protocolVersion: 4, reconnectPeriod: 0, clean });
    const ingest = await login('svc-ingest', false);
    await ingest.subscribeAsync([...TELEMETRY_SUBSCRIPTIONS], { qos: 1 });
    const stations = loadRegistryFile()
      .stations.slice(0, stationCount)
      .map((s) => s.id);
    const publishers: MqttClient[] = await Promise.all(stations.map((id) => login(id)));
    let received = 0;
    const allReceived = new Promise<void>((resolve) => ingest.on('message', () => ++received === messages && resolve()));
    const before = sample(broker.pid!);
    const redisBefore = redis && sample(redis.child.pid!);
    const started = performance.now();
    const perStation = Math.ceil(messages / stations.length);
    await Promise.all(
      stations.map(async (id, i) => {
        const topic = telemetryTopic({ stationId: id, channel: 'status' });
        const payload = JSON.stringify({ station: id, ts: Date.now(), state: 'open', pad: 'x'.repeat(120) });
        const window: Array<Promise<unknown>> = [];
        for (let n = 0; n < perStation && i * perStation + n < messages; n++) {
          window.push(publishers[i]!.publishAsync(topic, payload, { qos: 1 }));
          if (window.length >= IN_FLIGHT_PER_STATION) await window.shift();
        }
        await Promise.all(window);
      }),
    );
    await allReceived;
    const seconds = (performance.now() - started) / 1000;
    const after = sample(broker.pid!);
    const redisAfter = redis && sample(redis.child.pid!);
    await Promise.all([...publishers, ingest].map((c) => c.endAsync(true)));
    return {
      mode: redis ? 'cluster node on Redis (AOF, appendfsync everysec)' : mode === 'memory' ? 'memory (no journal)' : `journal, fsync ${mode}`,
      messages,
      seconds: Math.round(seconds * 10) / 10,
      msgPerS: Math.round(messages / seconds),
      brokerCpuUsPerMsg: Math.round(((after.cpuS - before.cpuS) * 1e6) / messages),
      brokerPeakRssMb: after.peakRssMb,
      ...(redisBefore && redisAfter && { redisCpuUsPerMsg: Math.round(((redisAfter.cpuS - redisBefore.cpuS) * 1e6) / messages) }),
    };
  } finally {
    await stopChild(broker);
    await redis?.stop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'qdyz-relay-'));
try {
  const results = [];
  for (const mode of modes) results.push(await run(mode, dir));
  console.log(JSON.stringify({ bench: 'broker-relay', stations: stationCount, inFlightPerStation: IN_FLIGHT_PER_STATION, results }, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
