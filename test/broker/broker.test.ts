import anyTest, { type TestFn } from 'ava';
import type { MqttClient } from 'mqtt';
import { startBroker } from '../../broker/broker.js';
import { loadAccountsFile, newAccount } from '../../broker/credentials.js';
import { MAX_PAYLOAD_BYTES } from '../../domain/telemetry.js';
import { TELEMETRY_SUBSCRIPTIONS, commandTopic, telemetryTopic } from '../../domain/topics.js';
import { createLogger } from '../../lib/logger.js';
import { serveMetrics } from '../../lib/metrics.js';
import { join } from 'node:path';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { closed, connectAs, nextMessage, refusals } from '../helpers/mqtt-clients.js';

const test = anyTest as TestFn<{ b: TestBroker; ingest: MqttClient; A: string; B: string; C: string }>;

const status = (station: string) => telemetryTopic({ stationId: station, channel: 'status' });
const statusPayload = (station: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ station, ts: Date.now(), online: true, reason: 'heartbeat', ...extra });

/** The CONNACK return code of a refused connect (mqtt.js puts it on the error as `code`). */
async function connackCode(connecting: Promise<MqttClient>): Promise<number | undefined> {
  try {
    const client = await connecting;
    await client.endAsync();
    return 0;
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

test.before(async (t) => {
  const registry = (await import('../../lib/registry-file.js')).loadRegistryFile();
  const [A, B, C] = registry.stations.slice(0, 3).map((s) => s.id) as [string, string, string];
  const b = await startTestBroker({ registry, stationIds: [A, B, C] });
  // svc-ingest listens to all telemetry throughout: it is the witness that refused messages never arrive.
  const ingest = await connectAs(b, 'svc-ingest', { clean: true });
  const granted = await ingest.subscribeAsync([...TELEMETRY_SUBSCRIPTIONS], { qos: 1 });
  t.deepEqual(
    granted.map((g) => g.qos),
    TELEMETRY_SUBSCRIPTIONS.map(() => 1),
  );
  t.context = { b, ingest, A, B, C };
});

test.after.always(async (t) => {
  await t.context.ingest?.endAsync();
  await t.context.b?.close();
});

test.serial('a station connects with its own credentials and its telemetry reaches the services', async (t) => {
  const { b, ingest, A } = t.context;
  const inBefore = (await b.broker.metrics.messagesIn.get()).values.find((v) => v.labels.role === 'station')?.value ?? 0;
  const station = await connectAs(b, A);
  t.teardown(() => station.endAsync());
  const received = nextMessage(ingest, status(A));
  // aedes emits 'publish' (where the broker counts) after the PUBACK and the deliveries: wait for it, not for them.
  const counted = new Promise<void>((resolve) => {
    const onPublish = (packet: { topic: string }) => {
      if (packet.topic !== status(A)) return;
      b.broker.aedes.off('publish', onPublish);
      resolve();
    };
    b.broker.aedes.on('publish', onPublish);
  });
  await station.publishAsync(status(A), statusPayload(A), { qos: 1 });
  const message = await received;
  await counted;
  t.is(JSON.parse(message.payload.toString()).station, A);
  const inAfter = (await b.broker.metrics.messagesIn.get()).values.find((v) => v.labels.role === 'station')?.value ?? 0;
  t.is(inAfter - inBefore, 1);
  t.true(((await b.broker.metrics.clientsConnected.get()).values.find((v) => v.labels.role === 'station')?.value ?? 0) >= 1);
});

test.serial('publishing under another station’s topic is refused, counted and never delivered', async (t) => {
  const { b, ingest, A, B } = t.context;
  const before = await refusals(b, 'publish', 'foreign_topic');
  const seen: string[] = [];
  const spy = (topic: string) => seen.push(topic);
  ingest.on('message', spy);
  t.teardown(() => ingest.off('message', spy));

  for (const qos of [0, 1] as const) {
    const intruder = await connectAs(b, A);
    const gone = closed(intruder);
    intruder.publish(status(B), statusPayload(B), { qos });
    await gone; // MQTT 3.1.1 cannot NACK a publish: the broker closes the connection
    intruder.end(true);
  }
  t.is((await refusals(b, 'publish', 'foreign_topic')) - before, 2);

  // B's own message still flows, and it is the only one on B's topic the witness ever saw.
  const real = await connectAs(b, B);
  t.teardown(() => real.endAsync());
  const received = nextMessage(ingest, status(B));
  await real.publishAsync(status(B), statusPayload(B, { fw: 'genuine' }), { qos: 1 });
  t.is(JSON.parse((await received).payload.toString()).fw, 'genuine');
  t.deepEqual(seen, [status(B)]);
});

test.serial('wrong password, unknown user, missing credentials and a foreign client id are refused with CONNACK codes', async (t) => {
  const { b, A, B } = t.context;
  const counts = async () => Promise.all(['bad_password', 'unknown_user', 'no_credentials', 'bad_client_id'].map((r) => refusals(b, 'connect', r)));
  const before = await counts();
  t.is(await connackCode(connectAs(b, A, { password: b.credentials[B] })), 4, 'another station’s password');
  t.is(await connackCode(connectAs(b, 'SN-9999', { password: 'no-such-account-password' })), 4);
  t.is(await connackCode(connectAs(b, A, { username: undefined, password: undefined })), 5);
  t.is(await connackCode(connectAs(b, A, { clientId: B })), 2, 'A’s credentials cannot take over B’s session');
  t.is(await connackCode(connectAs(b, 'svc-dashboard', { clientId: 'svc-dashboard-ui1' })), 0, 'service instances may suffix their id');
  const after = await counts();
  t.deepEqual(
    after.map((n, i) => n - before[i]!),
    [1, 1, 1, 1],
  );
});

test.serial('an account for a station that is not in the registry is refused; rotated accounts apply without a restart', async (t) => {
  const { b } = t.context;
  const file = loadAccountsFile(join(b.dir, 'broker-accounts.json'));
  const ghost = await newAccount('ZZ-9999');
  file.accounts['ZZ-9999'] = ghost.account;
  b.accounts.replace(file);
  const before = await refusals(b, 'connect', 'unknown_station');
  t.is(await connackCode(connectAs(b, 'ZZ-9999', { password: ghost.password })), 5);
  t.is((await refusals(b, 'connect', 'unknown_station')) - before, 1);
});

test.serial('a station receives its own commands and cannot subscribe to another station’s commands or to #', async (t) => {
  const { b, A, B } = t.context;
  const station = await connectAs(b, A);
  t.teardown(() => station.endAsync());
  const before = await refusals(b, 'subscribe', 'not_own_command_topic');

  const granted = await station.subscribeAsync(commandTopic(A), { qos: 1 });
  t.is(granted[0]?.qos, 1);
  for (const filter of [commandTopic(B), '#', 'qdyz/v1/+/cmd']) {
    const err = await t.throwsAsync(station.subscribeAsync(filter, { qos: 1 }));
    t.deepEqual((err as unknown as { packet: { granted: number[] } }).packet.granted, [128], filter);
  }
  t.is((await refusals(b, 'subscribe', 'not_own_command_topic')) - before, 3);
  t.true(station.connected, 'a refused subscription does not cost the connection');

  const alerting = await connectAs(b, 'svc-alerting');
  t.teardown(() => alerting.endAsync());
  const received = nextMessage(station, commandTopic(A));
  await alerting.publishAsync(commandTopic(A), JSON.stringify({ action: 'reboot' }), { qos: 1 });
  t.deepEqual(JSON.parse((await received).payload.toString()), { action: 'reboot' });
});

test.serial('services subscribe to all telemetry but nothing else, and ingest/dashboard cannot publish', async (t) => {
  const { b } = t.context;
  const dashboard = await connectAs(b, 'svc-dashboard');
  t.teardown(() => dashboard.end(true));
  const granted = await dashboard.subscribeAsync([...TELEMETRY_SUBSCRIPTIONS], { qos: 0 });
  t.deepEqual(
    granted.map((g) => g.qos),
    TELEMETRY_SUBSCRIPTIONS.map(() => 0),
  );
  const before = await refusals(b, 'subscribe', 'not_telemetry');
  await t.throwsAsync(dashboard.subscribeAsync('#'));
  t.is((await refusals(b, 'subscribe', 'not_telemetry')) - before, 1);

  const readOnly = await refusals(b, 'publish', 'read_only_account');
  const gone = closed(dashboard);
  dashboard.publish(commandTopic(t.context.A), '{}', { qos: 0 });
  await gone;
  t.is((await refusals(b, 'publish', 'read_only_account')) - readOnly, 1);
});

test.serial('MQTT over WebSocket uses the same authentication and ACL', async (t) => {
  const { b, ingest, C, A } = t.context;
  t.is(await connackCode(connectAs(b, C, { url: b.wsUrl, password: 'wrong-password-for-ws' })), 4);
  const station = await connectAs(b, C, { url: b.wsUrl });
  const received = nextMessage(ingest, status(C));
  await station.publishAsync(status(C), statusPayload(C, { fw: 'over-ws' }), { qos: 1 });
  t.is(JSON.parse((await received).payload.toString()).fw, 'over-ws');

  const before = await refusals(b, 'publish', 'foreign_topic');
  const gone = closed(station);
  station.publish(status(A), statusPayload(A), { qos: 1 });
  await gone;
  station.end(true);
  t.is((await refusals(b, 'publish', 'foreign_topic')) - before, 1);
});

test.serial('oversized packets are cut off at the transport; payloads over the contract limit are refused', async (t) => {
  const { b, ingest, A } = t.context;
  const seen: string[] = [];
  const spy = (_topic: string, payload: Buffer) => seen.push(`${payload.length}`);
  ingest.on('message', spy);
  t.teardown(() => ingest.off('message', spy));

  const packetsBefore = await refusals(b, 'packet', 'packet_too_large');
  const big = await connectAs(b, A);
  let gone = closed(big);
  big.publish(status(A), Buffer.alloc(64 * 1024, 0x20), { qos: 0 });
  await gone;
  big.end(true);
  t.is((await refusals(b, 'packet', 'packet_too_large')) - packetsBefore, 1);

  const payloadsBefore = await refusals(b, 'publish', 'payload_too_large');
  const medium = await connectAs(b, A);
  gone = closed(medium);
  medium.publish(status(A), Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20), { qos: 0 }); // fits the packet limit, not the contract
  await gone;
  medium.end(true);
  t.is((await refusals(b, 'publish', 'payload_too_large')) - payloadsBefore, 1);

  // The limit is per packet, not per connection: many small packets are fine.
  const small = await connectAs(b, A);
  t.teardown(() => small.endAsync());
  for (let i = 0; i < 20; i++) await small.publishAsync(status(A), Buffer.alloc(1000, 0x20), { qos: 1 });
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.deepEqual(
    seen,
    Array.from({ length: 20 }, () => '1000'),
  );
});

test.serial('a Last Will on another station’s topic is refused; a station’s own status will is published when it drops', async (t) => {
  const { b, ingest, A, B } = t.context;
  const before = await refusals(b, 'connect', 'will_not_allowed');
  const forged = { topic: status(B), payload: Buffer.from(JSON.stringify({ station: B, online: false, reason: 'lwt' })), qos: 1 as const, retain: false };
  t.is(await connackCode(connectAs(b, A, { will: forged })), 5);
  t.is(await connackCode(connectAs(b, 'svc-ingest', { clientId: 'svc-ingest-will', will: forged })), 5);
  t.is((await refusals(b, 'connect', 'will_not_allowed')) - before, 2);

  const will = { topic: status(A), payload: Buffer.from(JSON.stringify({ station: A, online: false, reason: 'lwt' })), qos: 1 as const, retain: true };
  const station = await connectAs(b, A, { will });
  const received = nextMessage(ingest, status(A));
  station.stream.destroy(); // an unclean loss of the connection, as a power cut would cause
  t.deepEqual(JSON.parse((await received).payload.toString()), { station: A, online: false, reason: 'lwt' });
  station.end(true);
});

test.serial('the metrics endpoint shows connections, messages and refusals by kind and reason', async (t) => {
  const { b, A } = t.context;
  t.is(await connackCode(connectAs(b, A, { password: 'definitely-not-it-000' })), 4);
  const server = await serveMetrics(b.metrics, 0);
  t.teardown(() => server.close());
  const body = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  t.regex(body, /broker_refusals_total\{kind="connect",reason="bad_password"\} [1-9]/);
  t.regex(body, /broker_refusals_total\{kind="publish",reason="foreign_topic"\} [1-9]/);
  t.regex(body, /broker_refusals_total\{kind="packet",reason="packet_too_large"\} [1-9]/);
  t.regex(body, /broker_clients_connected\{role="service"\} [1-9]/);
  t.regex(body, /broker_messages_in_total\{role="station"\} [1-9]/);
  t.regex(body, /broker_messages_out_total [1-9]/);
  t.regex(body, /broker_connections_total\{transport="ws"\} [1-9]/);
});

test('the listeners refuse a port that is taken, and close() frees them', async (t) => {
  const { b } = t.context;
  const logger = createLogger('broker', 'silent');
  await t.throwsAsync(startBroker({ registry: b.registry, accounts: b.accounts, logger, port: b.port, wsPort: null }), { code: 'EADDRINUSE' });
  const other = await startBroker({ registry: b.registry, accounts: b.accounts, logger, port: 0, wsPort: null });
  t.is(other.wsPort, null);
  await other.close();
  const again = await startBroker({ registry: b.registry, accounts: b.accounts, logger, port: other.port, wsPort: null });
  t.is(again.port, other.port);
  await again.close();
});

test('a failure of aedes’ background work (its error event, e.g. Redis unreachable while it publishes a dead node’s wills) is counted and logged, not fatal', async (t) => {
  const { b } = t.context;
  const aedes = b.broker.aedes as unknown as NodeJS.EventEmitter;
  // Unheard, an 'error' event throws (and in aedes' timer it would end the process).
  t.notThrows(() => aedes.emit('error', new Error('Connection is closed.')));
  t.regex(await b.metrics.metrics(), /^broker_internal_errors_total 1$/m);
});
