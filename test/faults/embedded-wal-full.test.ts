import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Platform, startLoad, startPlatform, verify, waitFor } from './harness.js';

// The ingest embedded in the broker node, its write-ahead log on a small disk that fills while InfluxDB is
// down (issue 12's worst case for the separate ingest: 24–26 % lost before the log held acknowledgements).
// The node must hold the PUBACK of every telemetry publish — the stations keep their messages — stay up,
// and once InfluxDB is back and confirmed segments free the disk, append what it held and acknowledge it:
// every acknowledged message in InfluxDB once.

const STATIONS = 50;
const PERIOD_MS = 250;
const DATABASE = 'embedded_full';
let platform: Platform;

test.before(async () => {
  platform = await startPlatform({ stations: STATIONS, embeddedIngest: { database: DATABASE, walSize: '128k' } });
});
test.after.always(() => platform?.close());

const metric = async (name: string): Promise<number> => (await platform.brokerMetrics([name]))[name] ?? 0;

test('embedded ingest: the log disk fills while influxd is down — PUBACKs held, the node stays up, then every acknowledged message lands once', async (t) => {
  t.timeout(4 * 60_000);
  const load = await startLoad(platform, { periodMs: PERIOD_MS });
  await waitFor('points written by the node', async () => (await metric('ingest_points_written_total')) > STATIONS);
  await platform.killInfluxd();
  await waitFor('the log disk full: acknowledgements held', async () => (await metric('ingest_wal_blocked')) === 1);

  // Held, not dropped: the stations publish on, and not one more of their messages is acknowledged.
  const more = (n: number) => {
    const from = load.ledger.sent;
    return waitFor(`${n} more messages sent`, () => load.ledger.sent >= from + n);
  };
  await more(2 * STATIONS); // PUBACKs sent before the block have reached the stations by now
  const ackedWhileHeld = load.ledger.total;
  await more(4 * STATIONS);
  t.is(load.ledger.total, ackedWhileHeld, 'no PUBACK while the log cannot take the messages');
  t.is(platform.broker.exitCode, null, 'the node stays up');

  await platform.restartInfluxd();
  await waitFor('acknowledging again', async () => (await metric('ingest_wal_blocked')) === 0, 90_000);
  const faultEndedAt = Date.now();
  await more(2 * STATIONS);
  await load.stop();
  const figures = await verify(platform, DATABASE, load.ledger, {
    scenario: 'embedded ingest: influxd down, write-ahead log disk full',
    faultEndedAt,
    extra: { ackedWhileHeld },
  });
  t.true(figures.acked > ackedWhileHeld + 4 * STATIONS, 'the held messages were acknowledged once the log took them');
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
  t.true((await metric('ingest_wal_blocked_total')) >= 1);
  const blockedLines = readFileSync(join(platform.dir, 'broker.log'), 'utf8').match(/"event":"wal_blocked"/g) ?? [];
  t.true(blockedLines.length >= 1, 'one clear log line per blocked spell');
});
