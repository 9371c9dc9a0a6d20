import test from 'ava';
import { join } from 'node:path';
import { type Platform, signal, startLoad, startPlatform, verify } from './harness.js';

// influxd frozen (SIGSTOP) for 30 s mid-load (issue 12 item 4): its socket stays open and write requests
// hang, so the ingest keeps appending to its write-ahead log and acknowledging, with a bounded part of the
// backlog in memory; when influxd thaws, everything lands once. 150 stations at 2 msg/s.

const STATIONS = 150;
const PERIOD_MS = 500;
const FREEZE_MS = 30_000;
/**
 * The stated bound (README, Durability): during the freeze the ingest's resident memory grows by less than
 * this. What it keeps in memory is at most 50,000 points of sealed batches (≈10 MB) plus the open batch and
 * four requests in flight; the rest of a backlog stays on disk.
 */
const RSS_GROWTH_BOUND_MB = 40;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let platform: Platform;

test.before(async () => {
  platform = await startPlatform({ stations: STATIONS });
});
test.after.always(() => platform?.close());

test(`influxd SIGSTOP for 30 s: ingest memory grows by less than ${RSS_GROWTH_BOUND_MB} MB, nothing is lost`, async (t) => {
  const run = { database: 'frozen', walDir: join(platform.dir, 'wal') };
  const ingest = await platform.startIngest({ ...run, env: { INGEST_BATCH_SIZE: '200' } });
  const load = await startLoad(platform, { periodMs: PERIOD_MS });
  await sleep(3000);
  const before = ingest.rss().rssMb;
  const pid = platform.influxdPid();
  signal(pid, 'SIGSTOP');
  const frozenAt = Date.now();
  let peak = before;
  let pendingAtThaw = 0;
  try {
    while (Date.now() - frozenAt < FREEZE_MS) {
      await sleep(1000);
      peak = Math.max(peak, ingest.rss().rssMb);
    }
    pendingAtThaw = (await ingest.metrics(['ingest_wal_pending_points'])).ingest_wal_pending_points!;
  } finally {
    signal(pid, 'SIGCONT');
  }
  const faultEndedAt = Date.now();
  await sleep(3000);
  await load.stop();
  const figures = await verify(platform, run.database, load.ledger, {
    scenario: 'influxd SIGSTOP 30 s',
    faultEndedAt,
    extra: { ingestRssBeforeMb: before, ingestRssPeakMb: peak, rssGrowthBoundMb: RSS_GROWTH_BOUND_MB, walPendingAtThaw: pendingAtThaw },
  });
  await ingest.stop();
  t.true(pendingAtThaw > 5000, `points waiting in the log at the thaw: ${pendingAtThaw}`);
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
  t.true(peak - before < RSS_GROWTH_BOUND_MB, `ingest RSS ${before} MB → peak ${peak} MB during the freeze`);
});
