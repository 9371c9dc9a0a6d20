import { join } from 'node:path';
import test from 'ava';
import { pidOf } from '../../bench/lib/proc.js';
import { signal, startLoad, verify, waitFor, type Load } from '../faults/harness.js';
import { startBrokerCluster, type BrokerCluster } from '../helpers/broker-cluster.js';
import { withInfluxd } from '../helpers/influxd.js';
import { withRedis } from '../helpers/redis.js';

// Two broker nodes on one Redis behind HAProxy, each with the ingest inside it (BROKER_INGEST=embedded): a node
// writes what its own clients publish, its log on its own disk. A kill -9 of a node holding points InfluxDB has not
// confirmed (influxd frozen meanwhile): its stations move to the other node, and the points it acknowledged reach
// InfluxDB when it starts again and replays its log — every acknowledged message once, by the ledger.

let cluster: BrokerCluster | undefined;
// Declared first so it runs first: the nodes stop before the Redis and influxd they use.
test.after.always(async () => {
  await cluster?.close();
});
const redis = withRedis(test);
const influxd = withInfluxd(test);
const DATABASE = 'cluster_embedded';

test.before(async () => {
  cluster = await startBrokerCluster({
    nodes: 2,
    redisUrl: redis().url,
    stations: 20,
    nodeEnv: (i, dir) => ({
      BROKER_INGEST: 'embedded',
      INFLUX_URL: influxd.influxd().url,
      INFLUX_DATABASE: DATABASE,
      INGEST_SPOOL_DIR: join(dir, `wal-node-${i}`),
      INGEST_FLUSH_MS: '200',
    }),
  });
});

const metric = async (port: number, name: string): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
};

test('kill -9 of a node with unconfirmed points: its stations move, and what it acknowledged reaches InfluxDB when it restarts (ledger)', async (t) => {
  const c = cluster!;
  let load: Load | undefined;
  const target = { brokerUrl: c.url, credentials: c.credentials, stations: c.stations, track: (l: Load) => void (load = l) };
  load = await startLoad(target, { periodMs: 250, reconnectSpreadMs: 2000 });
  t.teardown(() => load?.stop());
  const [survivor, victim] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]];
  await waitFor('stations on both nodes', async () => (await victim.stations()) > 0 && (await survivor.stations()) > 0, 30_000);
  await waitFor('points written by the victim', async () => (await metric(victim.metricsPort, 'ingest_points_written_total')) > 20, 30_000);

  const influxdPid = pidOf(influxd.influxd().dataDir);
  signal(influxdPid, 'SIGSTOP');
  t.teardown(() => signal(influxdPid, 'SIGCONT'));
  await waitFor('the victim holding unconfirmed points', async () => (await metric(victim.metricsPort, 'ingest_wal_pending_points')) > 20, 30_000);
  await victim.kill9();
  await waitFor('every station on the surviving node', async () => (await survivor.stations()) === c.stations.length, 30_000);
  const ackedAtKill = load.ledger.total;
  await waitFor('more acknowledged after the kill', () => load!.ledger.total > ackedAtKill + 100, 30_000);
  signal(influxdPid, 'SIGCONT');
  await victim.restart();
  const faultEndedAt = Date.now();
  await load.stop();
  const figures = await verify({ influxd: influxd.influxd() }, DATABASE, load.ledger, {
    scenario: 'cluster, embedded ingest: kill -9 of a node',
    faultEndedAt,
  });
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
  t.true((await metric(victim.metricsPort, 'ingest_points_replayed_total')) > 0, 'the restarted node replayed its log');
});
