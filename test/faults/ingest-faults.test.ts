import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mountReadOnly, mountTmpfs, signal, startLoad, startPlatform, unmount, verify, waitFor, type Platform } from './harness.js';

// Zero acknowledged loss through ingest and InfluxDB faults (issue 12): every message a station got
// a PUBACK for is in InfluxDB afterwards, once, per station. Scaled down for a shared 2-core
// machine: 150 stations at 2 msg/s; influxd down 20 s and frozen 30 s (the outage is 60 s: the
// mechanism, a write-ahead log on disk, does not depend on the length, only the disk space does).
// Each scenario prints its ledger figures as one JSON line.

const STATIONS = 150;
const PERIOD_MS = 500;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let platform: Platform;
let run = 0;

test.before(async () => {
  platform = await startPlatform({ stations: STATIONS });
});
test.afterEach.always(() => platform?.endScenario());
test.after.always(() => platform?.close());

const fresh = () => {
  run++;
  return { database: `faults${run}`, walDir: join(platform.dir, `wal${run}`) };
};

test.serial('ingest kill -9 mid-load, restarted: nothing acknowledged is lost', async (t) => {
  const target = fresh();
  let ingest = await platform.startIngest(target);
  const load = await startLoad(platform, { periodMs: PERIOD_MS });
  await sleep(5000);
  await ingest.kill9();
  await sleep(2000);
  ingest = await platform.startIngest(target);
  const faultEndedAt = Date.now();
  await sleep(4000);
  await load.stop();
  const figures = await verify(platform, target.database, load.ledger, { scenario: 'ingest kill -9', faultEndedAt });
  await ingest.stop();
  t.true(figures.acked > 3000);
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
});

test.serial('influxd SIGKILL and down for 20 s: the backlog waits in the log and lands', async (t) => {
  const target = fresh();
  const ingest = await platform.startIngest(target);
  const load = await startLoad(platform, { periodMs: PERIOD_MS });
  await sleep(2000);
  await platform.killInfluxd();
  await sleep(20_000);
  const pending = (await ingest.metrics(['ingest_wal_pending_points'])).ingest_wal_pending_points!;
  await platform.restartInfluxd();
  const faultEndedAt = Date.now();
  await sleep(3000);
  await load.stop();
  const figures = await verify(platform, target.database, load.ledger, {
    scenario: 'influxd SIGKILL, down 20 s',
    faultEndedAt,
    extra: { walPendingAtRestart: pending },
  });
  await ingest.stop();
  t.true(pending > 3000, `points waiting in the log while influxd was down: ${pending}`);
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
});

test.serial('influxd SIGSTOP for 30 s: memory stays bounded, nothing is lost', async (t) => {
  const target = fresh();
  // A small in-memory window makes the bound visible at this rate: beyond it segments are only on disk.
  const ingest = await platform.startIngest({ ...target, env: { INGEST_BATCH_SIZE: '200' } });
  const load = await startLoad(platform, { periodMs: PERIOD_MS });
  await sleep(2000);
  const before = ingest.rss().rssMb;
  const pid = platform.influxdPid();
  signal(pid, 'SIGSTOP');
  let peak = 0;
  for (let i = 0; i < 30; i++) {
    await sleep(1000);
    peak = Math.max(peak, ingest.rss().rssMb);
  }
  signal(pid, 'SIGCONT');
  const faultEndedAt = Date.now();
  await sleep(3000);
  await load.stop();
  const figures = await verify(platform, target.database, load.ledger, {
    scenario: 'influxd SIGSTOP 30 s',
    faultEndedAt,
    extra: { ingestRssBeforeMb: before, ingestRssPeakMb: peak },
  });
  await ingest.stop();
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
  // The stated bound (README): 50,000 points of sealed batches in memory (≈10 MB), the rest on disk.
  t.true(peak < before + 60, `ingest RSS ${before} MB → peak ${peak} MB during the freeze`);
});

test.serial('write-ahead log disk full while influxd is down: acknowledgements are held, then everything lands', async (t) => {
  const target = fresh();
  // A 256 KiB tmpfs (root): the log fills in seconds at this rate while influxd is down.
  mountTmpfs(target.walDir, '256k');
  t.teardown(() => unmount(target.walDir));
  const ingest = await platform.startIngest(target);
  await platform.killInfluxd();
  const load = await startLoad(platform, { periodMs: PERIOD_MS });
  await waitFor('the ingest holds acknowledgements', async () => (await ingest.metrics(['ingest_wal_blocked'])).ingest_wal_blocked === 1, 60_000);
  await sleep(3000);
  await platform.restartInfluxd();
  const faultEndedAt = Date.now();
  await sleep(3000);
  await load.stop();
  const figures = await verify(platform, target.database, load.ledger, { scenario: 'WAL disk full while influxd down', faultEndedAt });
  const m = await ingest.metrics(['ingest_wal_blocked_total', 'ingest_wal_blocked']);
  await ingest.stop();
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
  t.true(m.ingest_wal_blocked_total! >= 1);
  t.is(m.ingest_wal_blocked, 0, 'writable again once InfluxDB took the backlog');
  const blockedLines = readFileSync(ingest.logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"wal_blocked"'));
  t.true(blockedLines.length >= 1 && blockedLines.length <= m.ingest_wal_blocked_total!, 'one log line per blocked spell, not one per message');
});

test.serial('write-ahead log directory read-only for 10 s: acknowledgements are held, then everything lands', async (t) => {
  const target = fresh();
  const ingest = await platform.startIngest(target);
  const load = await startLoad(platform, { periodMs: PERIOD_MS });
  await sleep(3000);
  // A read-only file system mounted over the directory (a remount of a busy one fails): the next segment cannot be created.
  mountReadOnly(target.walDir);
  const mountedAt = Date.now();
  t.teardown(() => unmount(target.walDir));
  await waitFor('the ingest holds acknowledgements', async () => (await ingest.metrics(['ingest_wal_blocked'])).ingest_wal_blocked === 1, 30_000);

  // Meanwhile: an ingest started on a read-only log dir says so clearly (it used to report "ENOENT mkdir").
  const attempt = { database: `${target.database}ro`, walDir: join(target.walDir, 'sub') };
  const refused = await platform.startIngest(attempt).then(
    () => undefined,
    (err: Error) => err,
  );
  t.truthy(refused, 'the ingest does not start without a usable log dir');
  t.regex(readFileSync(join(platform.dir, `ingest-${attempt.database}.log`), 'utf8'), /write-ahead log directory \S+sub is not usable: EROFS/);

  await sleep(mountedAt + 10_000 - Date.now());
  unmount(target.walDir);
  const faultEndedAt = Date.now();
  await sleep(3000);
  await load.stop();
  const figures = await verify(platform, target.database, load.ledger, { scenario: 'WAL dir read-only 10 s', faultEndedAt });
  const m = await ingest.metrics(['ingest_wal_blocked_total', 'ingest_wal_blocked']);
  await ingest.stop();
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
  t.is(m.ingest_wal_blocked, 0);
});

test.serial('influxd down, then ingest kill -9 while it is down: the restarted ingest starts without InfluxDB and nothing is lost', async (t) => {
  const target = fresh();
  let ingest = await platform.startIngest(target);
  const load = await startLoad(platform, { periodMs: PERIOD_MS });
  await sleep(2000);
  await platform.killInfluxd();
  await sleep(5000);
  await ingest.kill9();
  await sleep(1000);
  // InfluxDB is still down: the ingest must start anyway (it used to exit after ~28 s).
  ingest = await platform.startIngest(target);
  await sleep(5000);
  await platform.restartInfluxd();
  const faultEndedAt = Date.now();
  await sleep(3000);
  await load.stop();
  const figures = await verify(platform, target.database, load.ledger, { scenario: 'influxd down, then ingest kill -9', faultEndedAt });
  await ingest.stop();
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
});
