import test from 'ava';
import { createLogger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { decodeTelemetry } from '../../domain/telemetry.js';
import { startFleet } from '../../device-sim/fleet.js';
import { startTestBroker } from '../helpers/broker.js';
import { observe } from './observer.js';

const logger = createLogger('device-sim-test', process.env.LOG_LEVEL ?? 'silent');

test('each station connects with its own credentials and publishes valid telemetry; a storm reconnects all; stop leaves a retained shutdown', async (t) => {
  const registry = loadRegistryFile();
  const stations = registry.stations.slice(0, 12);
  const b = await startTestBroker({ registry, stationIds: stations.map((s) => s.id) });
  t.teardown(b.close);
  const obs = await observe(b);
  t.teardown(obs.close);

  const fleet = startFleet({
    registry: b.registry,
    stations,
    brokerUrl: b.url,
    credentials: b.credentials,
    seed: 3,
    speed: 600,
    logger,
    tickMs: 50,
    timing: { stepMs: 60_000, heartbeatMs: 300_000, sampleMs: 300_000 },
  });
  await fleet.ready;
  for (const s of stations) await obs.waitFor((m) => m.topic === `qdyz/v1/${s.id}/status` && m.json?.reason === 'boot', 10_000, `boot of ${s.id}`);
  await obs.waitFor(() => obs.messages.length > 400, 20_000, '400 messages');

  for (const m of obs.messages) {
    const decoded = decodeTelemetry(m.topic, Buffer.from(m.text), b.registry, Date.now());
    if (!decoded.ok) t.fail(`${m.topic} ${decoded.reason}: ${decoded.detail}`);
  }
  const channels = new Set(obs.messages.map((m) => m.topic.split('/').slice(3).join('/')));
  for (const c of ['status', 'service', 'occupancy', 'speaker', 'appliance/fridge', 'appliance/water_dispenser', 'appliance/microwave'])
    t.true(channels.has(c), c);
  // Only a Last Will (published by the broker for the station) has no ts; every other message has one, never ahead of the wall clock.
  t.deepEqual(
    obs.messages.filter((m) => typeof m.json?.ts !== 'number' && m.json?.reason !== 'lwt').map((m) => m.text),
    [],
    'messages without ts',
  );
  const stamped = obs.messages.filter((m) => typeof m.json?.ts === 'number');
  t.true(stamped.length > 400);
  t.deepEqual(
    stamped.filter((m) => (m.json!.ts as number) > m.receivedAt).map((m) => m.text),
    [],
    'simulated time never runs ahead of the wall clock',
  );

  fleet.storm();
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (fleet.stats().reconnects >= stations.length && fleet.stats().connected === stations.length) {
        clearInterval(poll);
        resolve();
      }
    }, 50);
  });

  const final = await fleet.stop();
  // Only what was in flight when the storm cut the connections may be lost.
  t.true(final.failed < final.sent * 0.05, `${final.failed} of ${final.sent} failed`);
  t.true(final.acknowledged > 400);
  t.is(final.acknowledged + final.failed, final.sent);
  t.true(final.latencyMs.p99 > 0);

  // A late subscriber sees each station's last status: the retained shutdown, not a Last Will.
  const late = await observe(b, 'svc-dashboard-late');
  t.teardown(late.close);
  for (const s of stations) {
    const m = await late.waitFor((x) => x.topic === `qdyz/v1/${s.id}/status`, 5000, `retained status of ${s.id}`);
    t.true(m.retain);
    t.is(m.json?.reason, 'shutdown');
  }
});

test('stations without credentials are refused with a clear error before connecting', (t) => {
  const error = t.throws(() =>
    startFleet({
      registry: { stations: [], get: () => undefined, inDistrict: () => [] },
      stations: [{ id: 'SN-0001' } as never],
      brokerUrl: 'mqtt://127.0.0.1:1',
      credentials: {},
      logger,
    }),
  );
  t.regex(error.message, /no credentials for 1 station\(s\): SN-0001/);
});
