import test from 'ava';
import { type Platform, startLoad, startPlatform, verify, waitFor } from './harness.js';

// The ingest embedded in the broker node (BROKER_INGEST=embedded): the node appends each accepted
// message to its write-ahead log before the PUBACK, so what a station got a PUBACK for survives a kill -9
// of the node itself, also while InfluxDB is down (the worst pair of issue 12: the log is then the only copy).
// One timeline: load → influxd SIGKILL → broker kill -9 (InfluxDB still down) → broker back, replays its
// log into nothing → influxd back → every acknowledged message in InfluxDB exactly once.

const STATIONS = 200;
const PERIOD_MS = 500;
const DATABASE = 'embedded';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let platform: Platform;

test.before(async (t) => {
  t.timeout(4 * 60_000); // one scrypt hash per station account at the first start
  platform = await startPlatform({ stations: STATIONS, embeddedIngest: { database: DATABASE } });
});
test.after.always(() => platform?.close());

test('embedded ingest: influxd killed, then the broker node kill -9 mid-load — every acknowledged message in InfluxDB once', async (t) => {
  t.timeout(5 * 60_000);
  const load = await startLoad(platform, { periodMs: PERIOD_MS, reconnectSpreadMs: 3000 });
  // Some messages persisted before the faults: the node writes to InfluxDB itself.
  await waitFor(
    'points written by the node',
    async () => ((await platform.brokerMetrics(['ingest_points_written_total'])).ingest_points_written_total ?? 0) > STATIONS,
  );
  await platform.killInfluxd();
  const ackedBeforeKill = load.ledger.total;
  // Acknowledged while InfluxDB is down: only the node's log has them.
  await waitFor('acknowledged with InfluxDB down', () => load.ledger.total > ackedBeforeKill + 2 * STATIONS);
  const pending = (await platform.brokerMetrics(['ingest_wal_pending_points'])).ingest_wal_pending_points ?? 0;
  await platform.killBroker();
  await sleep(2000);
  await platform.restartBroker();
  await waitFor('stations back on the restarted node', () => load.connected() === STATIONS, 60_000);
  await platform.restartInfluxd();
  const faultEndedAt = Date.now();
  await sleep(3000);
  await load.stop();
  const figures = await verify(platform, DATABASE, load.ledger, {
    scenario: 'embedded ingest: influxd SIGKILL, then broker kill -9',
    faultEndedAt,
    extra: { pendingInLogAtKill: pending },
  });
  const m = await platform.brokerMetrics(['ingest_points_replayed_total']);
  t.true(pending > 0, 'the node held unconfirmed points in its log when it was killed');
  t.true(figures.acked > 0);
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
  t.true((m.ingest_points_replayed_total ?? 0) >= pending, 'the restarted node replayed its log');
});
