import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import mqtt, { type MqttClient } from 'mqtt';
import { loadDevCredentials } from '../../lib/dev-credentials.js';
import { telemetryTopic } from '../../domain/topics.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { freePort, spawnBroker, type BrokerProcess } from '../helpers/broker-process.js';

// The guarantee at the broker: a QoS 1 message a station got a PUBACK for reaches the ingest's persistent
// session, even if the broker process dies (kill -9) or is stopped (SIGTERM) while the ingest is away.
// The broker runs as its own process; the ingest's session is the seeded one and never connects before
// the restart, so everything it gets comes from the journal. The reconnect storm after a kill -9 is in
// the fault suite (test/faults/broker-faults.test.ts), checked against InfluxDB by its ledger.

const STATIONS = 20;
const MESSAGES_PER_STATION = 150;
/** Acknowledged messages before the fault: it lands while publishes are still in flight. */
const KILL_AFTER = 1200;

async function durableAcrossRestart(t: ExecutionContext, stop: 'SIGKILL' | 'SIGTERM') {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-durable-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const env = {
    BROKER_DEV_CREDENTIALS: 'true',
    BROKER_ACCOUNTS_FILE: join(dir, 'accounts.json'),
    DEV_CREDENTIALS_FILE: join(dir, 'dev.json'),
    BROKER_DATA_DIR: join(dir, 'broker'),
    MQTT_PORT: String(port),
  };
  const processes: BrokerProcess[] = [];
  t.teardown(() => processes.forEach((p) => p.child.kill('SIGKILL')));
  const first = spawnBroker(env);
  processes.push(first);
  await first.waitFor('broker_listening');
  const credentials = loadDevCredentials(env.DEV_CREDENTIALS_FILE);
  const url = `mqtt://127.0.0.1:${port}`;
  const login = (id: string, clean = true) =>
    mqtt.connectAsync(url, { username: id, password: credentials[id], clientId: id, protocolVersion: 4, reconnectPeriod: 0, clean });

  // Stations publish; the ledger holds every message whose PUBACK arrived.
  const ledger = new Set<string>();
  let attempted = 0;
  let faulted!: () => void;
  const fault = new Promise<void>((resolve) => (faulted = resolve));
  const stations = loadRegistryFile()
    .stations.slice(0, STATIONS)
    .map((s) => s.id);
  const publishers: MqttClient[] = await Promise.all(stations.map((id) => login(id)));
  t.teardown(() => publishers.forEach((c) => c.end(true)));
  // Not awaited: publishes still awaiting their PUBACK when the broker stops stay pending (mqtt.js keeps them for a reconnect).
  stations.forEach(async (id, i) => {
    const topic = telemetryTopic({ stationId: id, channel: 'status' });
    const window: Array<Promise<void>> = [];
    for (let n = 0; n < MESSAGES_PER_STATION && publishers[i]!.connected; n++) {
      const key = `${id}/${n}`;
      attempted++;
      window.push(
        publishers[i]!.publishAsync(topic, JSON.stringify({ key }), { qos: 1 }).then(
          () => {
            ledger.add(key);
            if (ledger.size === KILL_AFTER) faulted();
          },
          () => {}, // refused or cut off before its PUBACK: not acknowledged, not in the ledger
        ),
      );
      if (window.length >= 10) await window.shift();
    }
    await Promise.all(window);
  });

  await fault;
  first.child.kill(stop);
  const { code, signal } = await first.exited;
  t.log(`${stop}: exit ${code ?? signal}; ${ledger.size} of ${attempted} publishes acknowledged before the broker stopped`);
  if (stop === 'SIGTERM') t.is(code, 0);

  const second = spawnBroker(env);
  processes.push(second);
  const listening = await second.waitFor('broker_listening');
  t.true(Number(listening.queuedMessages) >= ledger.size, `replayed ${String(listening.queuedMessages)} messages`);

  const ingest = await login('svc-ingest', false);
  t.teardown(() => ingest.end(true));
  const received = new Map<string, number>();
  const missing = new Set(ledger);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${missing.size} acknowledged messages never arrived`)), 30_000);
    const check = () => {
      if (missing.size > 0) return;
      clearTimeout(timer);
      resolve();
    };
    ingest.on('message', (_topic, payload) => {
      const { key } = JSON.parse(payload.toString()) as { key: string };
      received.set(key, (received.get(key) ?? 0) + 1);
      missing.delete(key);
      check();
    });
    check();
  });
  const duplicates = [...received.values()].reduce((sum, n) => sum + n - 1, 0);
  const unacknowledged = [...received.keys()].filter((k) => !ledger.has(k)).length;
  t.log(`after restart: ${ledger.size} acknowledged, all received; ${duplicates} duplicates, ${unacknowledged} received though their PUBACK never arrived`);
  t.is(missing.size, 0);
}

test.serial('messages acknowledged before a kill -9 of the broker reach the persistent session after its restart', (t) => durableAcrossRestart(t, 'SIGKILL'));
test.serial('messages acknowledged before a SIGTERM of the broker reach the persistent session after its restart', (t) => durableAcrossRestart(t, 'SIGTERM'));
