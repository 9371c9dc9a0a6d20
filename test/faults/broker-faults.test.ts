import test from 'ava';
import { join } from 'node:path';
import { startLoad, startPlatform, verify, waitFor, type Platform } from './harness.js';

// Zero acknowledged loss through broker faults (issue 12 item 4): a kill -9 of the broker mid-load, a
// reconnect storm of the whole fleet after one, and the pair "ingest down, then a broker kill -9". What a
// station got a PUBACK for was in the broker's session journal (or already in the ingest's write-ahead
// log) before the PUBACK; un-acknowledged messages stay in the station's mqtt.js store and go again on
// reconnect. After each fault InfluxDB must hold exactly the ledger per station; each scenario prints
// its ledger figures as one JSON line.

/** Stations publishing in the single-fault scenarios (as in ingest-faults.test.ts). */
const STATIONS = 150;
const PERIOD_MS = 500;
/**
 * The storm's fleet, cloned from the 600-station registry: FAULTS_STORM_STATIONS=3000 is the figure.
 * The default is 1,000 so the file stays near 3 minutes on the shared 2-core machine: 3,000 mqtt.js clients
 * in this one test process took 88 s for the storm scenario alone at load 14, and at load 25 could not send
 * CONNECT within the broker's 10 s connect timeout, so hundreds were refused (no_connect) and retried.
 */
const STORM_STATIONS = Number(process.env.FAULTS_STORM_STATIONS ?? 1000);
/** A few messages per station in the storm: the fault is the reconnects, not the message rate. */
const STORM_PERIOD_MS = 8000;
/** How long the broker stays dead. */
const DOWN_MS = 3000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let platform: Platform;
let run = 0;

test.before(async () => {
  platform = await startPlatform({ stations: Math.max(STORM_STATIONS, STATIONS) });
});
test.afterEach.always(() => platform?.endScenario());
test.after.always(() => platform?.close());

const fresh = () => {
  run++;
  return { database: `brokerfaults${run}`, walDir: join(platform.dir, `wal${run}`) };
};

test.serial('broker kill -9 mid-load, restarted: stations resend, the ingest reconnects, nothing acknowledged is lost', async (t) => {
  const target = fresh();
  const ingest = await platform.startIngest(target);
  const load = await startLoad(platform, { periodMs: PERIOD_MS, stations: platform.stations.slice(0, STATIONS) });
  // Mid-load: the kill lands while publishes are in flight.
  await waitFor('1,000 messages acknowledged', () => load.ledger.total >= 1000, 60_000);
  const ackedBeforeKill = load.ledger.total;
  await platform.killBroker();
  await sleep(DOWN_MS);
  const restartedAt = Date.now();
  await platform.restartBroker();
  const faultEndedAt = Date.now();
  const brokerListenS = (faultEndedAt - restartedAt) / 1000;
  await waitFor('every station back', () => load.connected() === STATIONS, 60_000);
  await waitFor('the ingest back', async () => (await platform.brokerMetrics(['broker_clients_connected'])).broker_clients_connected! > STATIONS, 60_000);
  const backS = (Date.now() - faultEndedAt) / 1000;
  await sleep(3000);
  await load.stop();
  const figures = await verify(platform, target.database, load.ledger, {
    scenario: 'broker kill -9',
    faultEndedAt,
    extra: { ackedBeforeKill, brokerListenS, allBackS: backS },
  });
  await ingest.stop();
  t.true(figures.acked > ackedBeforeKill, `acknowledged ${ackedBeforeKill} before the kill, ${figures.acked} in all`);
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
});

test.serial(`reconnect storm: ${STORM_STATIONS} stations after a broker kill -9, all back and nothing acknowledged lost`, async (t) => {
  const target = fresh();
  const ingest = await platform.startIngest(target);
  const load = await startLoad(platform, { periodMs: STORM_PERIOD_MS });
  // Every station has had a message acknowledged: all are connected and publishing when the broker dies.
  await waitFor('a message from every station', () => [...load.ledger.acked.values()].every((seqs) => seqs.length > 0), 90_000);
  const ackedBeforeKill = load.ledger.total;
  await platform.killBroker();
  await sleep(DOWN_MS);
  const restartedAt = Date.now();
  await platform.restartBroker();
  const faultEndedAt = Date.now();
  const brokerListenS = (faultEndedAt - restartedAt) / 1000;
  await waitFor('every station back', () => load.connected() === STORM_STATIONS, 90_000);
  const allBackS = (Date.now() - faultEndedAt) / 1000;
  // One more message from every station after its reconnect, then stop.
  const counts = new Map([...load.ledger.acked].map(([id, seqs]) => [id, seqs.length]));
  await waitFor('a message from every station since the restart', () => [...load.ledger.acked].every(([id, seqs]) => seqs.length > counts.get(id)!), 90_000);
  await load.stop();
  const figures = await verify(platform, target.database, load.ledger, {
    scenario: `reconnect storm, ${STORM_STATIONS} stations, broker kill -9`,
    faultEndedAt,
    extra: { stations: STORM_STATIONS, ackedBeforeKill, brokerListenS, allBackS },
  });
  await ingest.stop();
  t.true(figures.acked >= 2 * STORM_STATIONS);
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
});

test.serial('ingest down, then broker kill -9 while it is down, then both back: the queued messages survive, nothing is lost', async (t) => {
  const target = fresh();
  let ingest = await platform.startIngest(target);
  const load = await startLoad(platform, { periodMs: PERIOD_MS, stations: platform.stations.slice(0, STATIONS) });
  await sleep(2000);
  await ingest.kill9();
  await sleep(4000);
  // What the broker holds for the ingest's session when it dies: only the journal keeps it.
  const queuedAtKill = (await platform.brokerMetrics(['broker_session_queue_messages'])).broker_session_queue_messages!;
  await platform.killBroker();
  await sleep(DOWN_MS);
  await platform.restartBroker();
  const queuedAtRestart = (await platform.brokerMetrics(['broker_session_queue_messages'])).broker_session_queue_messages!;
  await sleep(2000);
  ingest = await platform.startIngest(target);
  const faultEndedAt = Date.now();
  await sleep(3000);
  await load.stop();
  const figures = await verify(platform, target.database, load.ledger, {
    scenario: 'ingest down, then broker kill -9',
    faultEndedAt,
    extra: { queuedAtKill, queuedAtRestart },
  });
  await ingest.stop();
  t.true(queuedAtKill > 500, `messages queued for the ingest when the broker died: ${queuedAtKill}`);
  // The gauge also counts messages admitted in the broker's last turn, whose journal write (and so their PUBACK)
  // the kill cut off: their stations send them again. The ledger check below is the guarantee.
  t.true(queuedAtRestart >= queuedAtKill * 0.95, `replayed from the journal: ${queuedAtRestart} of ${queuedAtKill}`);
  t.is(figures.lost, 0);
  t.is(figures.duplicated, 0);
});
