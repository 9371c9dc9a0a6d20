import test from 'ava';
import { createLogger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { startFleet } from '../../device-sim/fleet.js';
import { PERFECT_SHARES } from '../../device-sim/model/profile.js';
import { startTestBroker } from '../helpers/broker.js';
import { until } from '../helpers/poll.js';
import { observe, type Observed } from './observer.js';

const logger = createLogger('device-sim-test', process.env.LOG_LEVEL ?? 'silent');
const STATIONS = 200;
const SPEED = 120;
// Every station waits between this and twice this after losing the broker (jittered back-off): a storm, spread out.
const RECONNECT_MS = 3000;

test(`after a broker restart on the same port all ${STATIONS} stations reconnect in bounded time, their backlog reaches a subscriber and telemetry keeps flowing`, async (t) => {
  t.timeout(60_000);
  const registry = loadRegistryFile();
  const stations = registry.stations.slice(0, STATIONS);
  const first = await startTestBroker({ registry, stationIds: stations.map((s) => s.id) });
  t.teardown(first.close);
  const fleet = startFleet({
    registry,
    stations,
    brokerUrl: first.url,
    credentials: first.credentials,
    seed: 5,
    speed: SPEED,
    start: Date.now() - 86_400_000,
    shares: PERFECT_SHARES,
    reconnectMs: RECONNECT_MS,
    // A heartbeat every 4 simulated minutes: each station has samples in any 5 minutes offline.
    timing: { stepMs: 60_000, heartbeatMs: 240_000, sampleMs: 600_000 },
    logger,
  });
  t.teardown(() => fleet.stop().then(() => undefined));
  await fleet.ready;
  await new Promise((r) => setTimeout(r, 1000));

  const closing = Date.now();
  const offlineFrom = fleet.simulatedNow();
  await first.broker.close();
  const second = await startTestBroker({ registry, restartOf: first });
  t.teardown(second.close);
  const obs = await observe(second, 'svc-dashboard-observer');
  t.teardown(obs.close);
  // Only then can the subscriber be sure to see the backlogs: nothing keeps them for a subscriber that is not there yet.
  t.true(Date.now() - closing < RECONNECT_MS - 1000, `broker and subscriber back after ${Date.now() - closing} ms`);
  // Samples taken before any station could retry were stored on the device.
  const offlineUntil = offlineFrom + (RECONNECT_MS - 500) * SPEED;

  const reconnectsBefore = fleet.stats().reconnects;
  // Jittered back-off: a first retry within [d, 2d); one that finds the broker not yet listening (a loaded
  // machine) waits [2d, 4d) more. Bounded either way.
  const bound = 6 * RECONNECT_MS + 5000;
  await until(() => fleet.stats().connected === STATIONS && fleet.stats().reconnects >= reconnectsBefore + STATIONS, bound + 5000);
  const allBack = Date.now() - closing;
  t.log(`all ${STATIONS} stations reconnected ${allBack} ms after the broker closed`);
  t.true(allBack < bound, `reconnected after ${allBack} ms`);

  const liveFrom = fleet.simulatedNow();
  const ts = (m: Observed): number => (typeof m.json?.ts === 'number' ? m.json.ts : -1);
  // Every station's backlog arrives, and it goes on sending live telemetry afterwards.
  await until(() => stations.every((s) => obs.of(s.id, '').some((m) => ts(m) > liveFrom)), 10_000).catch(() => undefined);
  const missing = (f: (m: Observed) => boolean): string[] => stations.filter((s) => !obs.of(s.id, '').some(f)).map((s) => s.id);
  t.deepEqual(
    missing((m) => ts(m) > offlineFrom && ts(m) < offlineUntil),
    [],
    'stations whose backlog did not arrive',
  );
  t.deepEqual(
    missing((m) => ts(m) > liveFrom),
    [],
    'stations not sending after the restart',
  );

  // The broker did not stall while everyone reconnected and flushed: the subscriber's messages kept coming.
  const arrivals = obs.messages.map((m) => m.receivedAt);
  let gap = 0;
  for (let i = 1; i < arrivals.length; i++) gap = Math.max(gap, arrivals[i]! - arrivals[i - 1]!);
  t.log(`${obs.messages.length} messages after the restart, longest silence ${gap} ms`);
  t.true(gap < 1000, `subscriber saw nothing for ${gap} ms`);

  const final = await fleet.stop();
  t.log(`sent ${final.sent}, acknowledged ${final.acknowledged}, failed ${final.failed}, publish→ack p99 ${final.latencyMs.p99} ms`);
  t.is(final.acknowledged + final.failed, final.sent);
  // Nothing lost: the client resends what was in flight when the broker went away, the station its stored backlog.
  t.is(final.failed, 0);
});
