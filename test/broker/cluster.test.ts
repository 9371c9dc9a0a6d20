import { join } from 'node:path';
import test from 'ava';
import mqtt from 'mqtt';
import { startTs, stopChild, waitForPort } from '../../bench/lib/proc.js';
import { commandTopic } from '../../domain/topics.js';
import { freePort } from '../../lib/influx/private-influxd.js';
import { startBrokerCluster, type BrokerCluster } from '../helpers/broker-cluster.js';
import { withInfluxd } from '../helpers/influxd.js';
import { withRedis } from '../helpers/redis.js';
import { startLoad, verify, waitFor, type Load } from '../faults/harness.js';

// Three broker nodes on one Redis behind HAProxy, two ingest workers each taking half the fleet (INGEST_PARTITION),
// all separate processes on loopback. Stations connect through HAProxy and spread over the nodes.

const WORKERS = ['1/2', '2/2'];
let cluster: BrokerCluster | undefined;
// Declared first so it runs first: the nodes stop before the Redis they use.
test.after.always(async () => {
  await cluster?.close();
});
const redis = withRedis(test);
const influxd = withInfluxd(test);

test.before(async () => {
  cluster = await startBrokerCluster({
    nodes: 3,
    redisUrl: redis().url,
    stations: 30,
    seededSessions: WORKERS.map((w) => `svc-ingest-${w.replace('/', 'of')}`),
  });
});
const login = (url: string, id: string, o: { clean?: boolean } = {}) =>
  mqtt.connectAsync(url, { username: id, password: cluster!.credentials[id], clientId: id, protocolVersion: 4, reconnectPeriod: 0, clean: o.clean ?? true });

test.serial('kill -9 of one node: its stations move to the others and every acknowledged message reaches InfluxDB (ledger)', async (t) => {
  const database = influxd.newDatabase('cluster');
  const workers = await Promise.all(
    WORKERS.map(async (partition, i) => {
      const metricsPort = await freePort();
      const child = startTs(
        'ingest/main.ts',
        {
          REGISTRY_FILE: cluster!.registryFile,
          DEV_CREDENTIALS_FILE: cluster!.devCredentialsFile,
          MQTT_URL: cluster!.url,
          INFLUX_URL: influxd.influxd().url,
          INFLUX_DATABASE: database,
          INGEST_PARTITION: partition,
          INGEST_SPOOL_DIR: join(cluster!.dir, `wal-${i}`),
          INGEST_METRICS_PORT: String(metricsPort),
          INGEST_FLUSH_MS: '200',
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        },
        false,
        join(cluster!.dir, `ingest-${i}.log`),
      );
      await waitForPort(metricsPort, 60_000);
      return child;
    }),
  );
  t.teardown(() => Promise.all(workers.map((w) => stopChild(w))));
  let load: Load | undefined;
  const target = { brokerUrl: cluster!.url, credentials: cluster!.credentials, stations: cluster!.stations, track: (l: Load) => void (load = l) };
  load = await startLoad(target, { periodMs: 250 });
  t.teardown(() => load?.stop());

  const counts = await Promise.all(cluster!.nodes.map((n) => n.stations()));
  t.true(
    counts.every((n) => n > 0),
    `stations per node ${counts}`,
  );
  await waitFor('a few hundred acknowledged', () => load!.ledger.total > 300, 30_000);
  const victim = cluster!.nodes[1]!;
  const killedAt = Date.now();
  await victim.kill9();
  // Its stations reconnect through HAProxy to the two others.
  await waitFor('every station back', async () => load!.connected() === cluster!.stations.length, 30_000);
  const after = await Promise.all([cluster!.nodes[0]!, cluster!.nodes[2]!].map((n) => n.stations()));
  t.is(after[0]! + after[1]!, cluster!.stations.length, `stations on the surviving nodes ${after}`);
  const ackedAtKill = load.ledger.total;
  await waitFor('more acknowledged after the kill', () => load!.ledger.total > ackedAtKill + 200, 30_000);
  await load.stop();
  const figures = await verify({ influxd: influxd.influxd() }, database, load.ledger, {
    scenario: 'cluster: kill -9 of one of 3 broker nodes',
    faultEndedAt: killedAt,
  });
  t.log(JSON.stringify({ stationsPerNode: counts, afterKill: after, ...figures }));
  t.is(figures.lost, 0);
  t.is(figures.persisted, figures.acked);
});

test.serial('a command reaches a station connected to another node', async (t) => {
  const [station] = cluster!.stations.slice(-1);
  const live = cluster!.nodes.filter((n) => n.process.child.exitCode === null && n.process.child.signalCode === null);
  const stationClient = await login(live[0]!.url, station!);
  const alerting = await login(live[1]!.url, 'svc-alerting');
  t.teardown(() => Promise.all([stationClient.endAsync(true), alerting.endAsync(true)]));
  await stationClient.subscribeAsync(commandTopic(station!), { qos: 1 });
  const received = new Promise<string>((resolve) => stationClient.once('message', (_topic, payload) => resolve(payload.toString())));
  // The subscription reaches the other node through Redis: publish until it is delivered.
  const command = JSON.stringify({ cmd: 'ping', id: 'c1' });
  const timer = setInterval(() => void alerting.publishAsync(commandTopic(station!), command, { qos: 1 }), 200);
  t.teardown(() => clearInterval(timer));
  t.is(await received, command);
});

test.serial('a persistent session resumes on another node with the messages queued while it was away', async (t) => {
  const station = cluster!.stations.at(-2)!;
  const live = cluster!.nodes.filter((n) => n.process.child.exitCode === null && n.process.child.signalCode === null);
  const first = await login(live[0]!.url, station, { clean: false });
  await first.subscribeAsync(commandTopic(station), { qos: 1 });
  await first.endAsync();
  const alerting = await login(live[1]!.url, 'svc-alerting');
  t.teardown(() => alerting.endAsync(true));
  const sent = ['a', 'b', 'c'].map((id) => JSON.stringify({ cmd: 'ping', id }));
  for (const command of sent) await alerting.publishAsync(commandTopic(station), command, { qos: 1 });

  const got: string[] = [];
  const back = mqtt.connect(live[1]!.url, {
    username: station,
    password: cluster!.credentials[station],
    clientId: station,
    protocolVersion: 4,
    reconnectPeriod: 0,
    clean: false,
  });
  t.teardown(() => back.endAsync(true));
  const all = new Promise<void>((resolve) =>
    back.on('message', (_topic, payload) => {
      got.push(payload.toString());
      if (got.length === sent.length) resolve();
    }),
  );
  const connack = await new Promise<{ sessionPresent: boolean }>((resolve) => back.once('connect', resolve));
  t.true(connack.sessionPresent);
  await all;
  t.deepEqual(got, sent);
});
