import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mountReadOnly, type Platform, startLoad, startPlatform, unmount, verify, waitFor } from './harness.js';

// Zero acknowledged loss through faults of the ingest itself (issue 12 item 4): every message a station got a
// PUBACK for is in InfluxDB afterwards, once, per station. The two scenarios run at the same time on one
// broker and influxd, each with its own ingest (persistent session, write-ahead log, database) and its own
// 150 stations at 2 msg/s; each ingest also takes the other's stations, which its ledger check ignores.
// Each scenario prints its ledger figures as one JSON line.

const STATIONS = 150;
const PERIOD_MS = 500;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let platform: Platform;

test.before(async () => {
  platform = await startPlatform({ stations: 2 * STATIONS });
});
test.after.always(() => platform?.close());

const scenario = (name: string, slice: number) => ({
  run: { database: name, walDir: join(platform.dir, `wal-${name}`), clientId: `svc-ingest-${name}` },
  stations: platform.stations.slice(slice * STATIONS, (slice + 1) * STATIONS),
});

test('ingest kill -9 mid-load, restarted: nothing acknowledged is lost', async (t) => {
  const { run, stations } = scenario('killed', 0);
  let ingest = await platform.startIngest(run);
  const load = await startLoad(platform, { periodMs: PERIOD_MS, stations });
  await sleep(5000);
  await ingest.kill9();
  await sleep(2000);
  ingest = await platform.startIngest(run);
  const faultEndedAt = Date.now();
  await sleep(4000);
  await load.stop();
  const figures = await verify(platform, run.database, load.ledger, { scenario: 'ingest kill -9', faultEndedAt });
  await ingest.stop();
  t.true(figures.acked > 3000);
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
});

test('write-ahead log directory read-only for 10 s: acknowledgements are held, then everything lands', async (t) => {
  const { run, stations } = scenario('readonly', 1);
  const ingest = await platform.startIngest(run);
  const load = await startLoad(platform, { periodMs: PERIOD_MS, stations });
  await sleep(3000);
  // A read-only file system mounted over the directory (a remount of a busy one fails): the next segment cannot be created.
  mountReadOnly(run.walDir);
  const mountedAt = Date.now();
  t.teardown(() => unmount(run.walDir));
  await waitFor('the ingest holds acknowledgements', async () => (await ingest.metrics(['ingest_wal_blocked'])).ingest_wal_blocked === 1, 30_000);

  // Meanwhile: an ingest started on a read-only log dir says so clearly (it used to report "ENOENT mkdir").
  const attempt = { database: `${run.database}sub`, walDir: join(run.walDir, 'sub'), clientId: 'svc-ingest-refused' };
  const refused = await platform.startIngest(attempt).then(
    () => undefined,
    (err: Error) => err,
  );
  t.truthy(refused, 'the ingest does not start without a usable log dir');
  t.regex(readFileSync(join(platform.dir, `ingest-${attempt.database}.log`), 'utf8'), /write-ahead log directory \S+sub is not usable: EROFS/);

  await sleep(mountedAt + 10_000 - Date.now());
  unmount(run.walDir);
  const faultEndedAt = Date.now();
  await sleep(3000);
  await load.stop();
  const figures = await verify(platform, run.database, load.ledger, { scenario: 'WAL dir read-only 10 s', faultEndedAt });
  const m = await ingest.metrics(['ingest_wal_blocked_total', 'ingest_wal_blocked']);
  await ingest.stop();
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
  t.true(m.ingest_wal_blocked_total! >= 1);
  t.is(m.ingest_wal_blocked, 0);
});
