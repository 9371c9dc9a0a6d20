import test, { type ExecutionContext } from 'ava';
import { join } from 'node:path';
import { type Figures, type IngestRun, Ledger, type Platform, startLoad, startPlatform, verify, waitFor } from './harness.js';

// Zero acknowledged loss through a kill -9 of the broker (issue 12 item 4), in one timeline that the three
// tests check from three sides:
// - mid-load: 150 stations at 2 msg/s are publishing when the broker dies;
// - the reconnect storm: the whole fleet of FAULTS_STORM_STATIONS (default 3,000, the figure; the
//   other stations send one message every 8 s: the fault is the reconnects, not the rate) comes back at once;
// - the pair "ingest down, then broker kill -9": a second ingest (its own persistent session, log and
//   database) is killed 4 s before the broker, so the broker dies holding its queue, which only the
//   session journal keeps; it starts again once the broker is back.
// What a station got a PUBACK for was in the broker's journal (or already in an ingest's log) before the
// PUBACK; un-acknowledged messages stay in the station's mqtt.js store and go again on reconnect. After the
// fault InfluxDB must hold exactly the ledger per station, in both ingests' databases.

const MID_STATIONS = 150;
const MID_PERIOD_MS = 500;
const STORM_STATIONS = Number(process.env.FAULTS_STORM_STATIONS ?? 3000);
const STORM_PERIOD_MS = 8000;
/** How long the broker stays dead. */
const DOWN_MS = 3000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let platform: Platform;

test.before(async (t) => {
  t.timeout(4 * 60_000); // one scrypt hash per station account at the first start
  platform = await startPlatform({ stations: STORM_STATIONS });
});
test.after.always(() => platform?.close());

/** One ledger of several loads (disjoint stations). */
function merged(...ledgers: Ledger[]): Ledger {
  const all = new Ledger(Math.min(...ledgers.map((l) => l.since)));
  for (const l of ledgers) for (const [station, seqs] of l.acked) all.acked.set(station, seqs);
  return all;
}

interface Outcome {
  midLoad: Figures;
  storm: Figures;
  pair: Figures;
  queuedAtKill: number;
  queuedAtRestart: number;
}

let kill: Promise<Outcome> | undefined;
const runKill = (t: ExecutionContext): Promise<Outcome> => {
  // The tests wait for one timeline, longer than ava's 3-minute inactivity timeout on a busy machine: 6 min
  // passed at a load average of 30 on the 2 cores, 6 min was not enough at 45 (3,000 mqtt.js clients in this process).
  t.timeout(9 * 60_000);
  return (kill ??= (async () => {
    const run = (name: string, clientId: string): IngestRun => ({ database: name, walDir: join(platform.dir, `wal-${name}`), clientId });
    const upRun = run('up', 'svc-ingest');
    const downRun = run('down', 'svc-ingest-down');
    try {
      const up = await platform.startIngest(upRun);
      let down = await platform.startIngest(downRun);
      const connectingAt = Date.now();
      const [mid, rest] = await Promise.all([
        startLoad(platform, { periodMs: MID_PERIOD_MS, stations: platform.stations.slice(0, MID_STATIONS) }),
        // Spread wider: 2,850 stations retrying every 1–4 s while the broker is away cost more CPU than the rest of the test.
        startLoad(platform, { periodMs: STORM_PERIOD_MS, stations: platform.stations.slice(MID_STATIONS), reconnectSpreadMs: 10_000 }),
      ]);
      // Every station has had a message acknowledged: all are connected and publishing when the broker dies.
      const fleetConnectS = (Date.now() - connectingAt) / 1000;
      const silent = () => ({
        connected: mid.connected() + rest.connected(),
        withoutAck: [...rest.ledger.acked.values()].filter((seqs) => seqs.length === 0).length,
        sent: rest.ledger.sent,
        acked: rest.ledger.total,
      });
      await waitFor('a message from every station', () => [...rest.ledger.acked.values()].every((seqs) => seqs.length > 0), 90_000, silent);
      await down.kill9();
      await sleep(4000);
      const ackedBeforeKill = mid.ledger.total + rest.ledger.total;
      const queuedAtKill = (await platform.brokerMetrics(['broker_session_queue_messages'])).broker_session_queue_messages!;
      await platform.killBroker();
      await sleep(DOWN_MS);
      const restartedAt = Date.now();
      await platform.restartBroker();
      const faultEndedAt = Date.now();
      const brokerListenS = (faultEndedAt - restartedAt) / 1000;
      const queuedAtRestart = (await platform.brokerMetrics(['broker_session_queue_messages'])).broker_session_queue_messages!;
      await waitFor(
        'every station back',
        () => mid.connected() + rest.connected() === STORM_STATIONS,
        120_000,
        () => ({
          connected: mid.connected() + rest.connected(),
          brokerListenS,
        }),
      );
      const allBackS = (Date.now() - faultEndedAt) / 1000;
      down = await platform.startIngest(downRun);
      // One more message from every station after its reconnect, then stop.
      const counts = new Map([...rest.ledger.acked].map(([id, seqs]) => [id, seqs.length]));
      await waitFor(
        'a message from every station since the restart',
        () => [...rest.ledger.acked].every(([id, seqs]) => seqs.length > counts.get(id)!),
        90_000,
      );
      await Promise.all([mid.stop(), rest.stop()]);
      const everyone = merged(mid.ledger, rest.ledger);
      const extra = { ackedBeforeKill, fleetConnectS, brokerListenS, allBackS };
      const outcome: Outcome = {
        midLoad: await verify(platform, upRun.database, mid.ledger, { scenario: 'broker kill -9 mid-load', faultEndedAt, extra }),
        storm: await verify(platform, upRun.database, everyone, {
          scenario: `reconnect storm, ${STORM_STATIONS} stations, broker kill -9`,
          faultEndedAt,
          extra: { stations: STORM_STATIONS, ...extra },
        }),
        pair: await verify(platform, downRun.database, everyone, {
          scenario: 'ingest down, then broker kill -9',
          faultEndedAt,
          extra: { queuedAtKill, queuedAtRestart },
        }),
        queuedAtKill,
        queuedAtRestart,
      };
      await Promise.all([up.stop(), down.stop()]);
      return outcome;
    } finally {
      await platform.endScenario();
    }
  })());
};

test('broker kill -9 mid-load, restarted: stations resend, the ingest reconnects, nothing acknowledged is lost', async (t) => {
  const { midLoad } = await runKill(t);
  t.true(midLoad.acked > 2000, `acknowledged: ${midLoad.acked}`);
  t.is(midLoad.lost, 0);
  t.is(midLoad.duplicated, 0);
});

test(`reconnect storm: ${STORM_STATIONS} stations after a broker kill -9, all back and nothing acknowledged lost`, async (t) => {
  const { storm } = await runKill(t);
  t.true(storm.acked >= 2 * STORM_STATIONS);
  t.is(storm.lost, 0);
  t.is(storm.duplicated, 0);
});

test('ingest down, then broker kill -9 while it is down, then both back: the queued messages survive, nothing is lost', async (t) => {
  const { pair, queuedAtKill, queuedAtRestart } = await runKill(t);
  t.true(queuedAtKill > 500, `messages queued for the stopped ingest when the broker died: ${queuedAtKill}`);
  // The gauge also counts messages admitted in the broker's last turn, whose journal write (and so their PUBACK)
  // the kill cut off: their stations send them again. The ledger check is the guarantee.
  t.true(queuedAtRestart >= queuedAtKill * 0.95, `replayed from the journal: ${queuedAtRestart} of ${queuedAtKill}`);
  t.is(pair.lost, 0);
  t.is(pair.duplicated, 0);
});
