import test from 'ava';
import { Registry as MetricsRegistry } from 'prom-client';
import { indexRegistry } from '../../domain/registry.js';
import { parseFaultFlag, resolveFaults } from '../../device-sim/faults.js';
import { startFleet } from '../../device-sim/fleet.js';
import { PERFECT_SHARES } from '../../device-sim/model/profile.js';
import { connectInflux } from '../../lib/influx/client.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { createTelemetryConsumer } from '../../lib/telemetry-consumer.js';
import { parseRulesConfig } from '../../rules/rule-config.js';
import { createInfluxStore } from '../../alerting/influx-store.js';
import { parseNotificationConfig } from '../../alerting/notification-config.js';
import { createNotifier } from '../../alerting/notifier.js';
import { manualRecords } from '../../alerting/manual-records.js';
import { createAlertingService } from '../../alerting/service.js';
import { startTestBroker } from '../helpers/broker.js';
import { tempSqlite } from '../helpers/database.js';
import { withInfluxd } from '../helpers/influxd.js';
import { logger } from './harness.js';
import { startHttpReceiver, type Received } from './receivers.js';
import { scratchDir } from '../helpers/scratch-dir.js';

// Simulator → broker → telemetry consumer → alerting → each district's webhook receiver.

const fixture = withInfluxd(test);

type Event = { kind: string; alert: { key: string; district: string } };
const eventsOf = (received: Received[], path: string): Event[] => received.filter((r) => r.path === path).flatMap((r) => r.body.events as Event[]);

test('injected faults reach the right district’s receiver (and no other) within the configured delay, then resolve when they clear', async (t) => {
  const full = loadRegistryFile();
  const ids = ['SN-0001', 'SN-0002', 'SB-0001', 'SB-0002'];
  const registry = indexRegistry(ids.map((id) => full.get(id)!));
  const broker = await startTestBroker({ registry: full, stationIds: ids });
  t.teardown(broker.close);
  const receiver = await startHttpReceiver();
  t.teardown(receiver.close);
  const influx = await connectInflux({ url: fixture.influxd().url, database: fixture.newDatabase('fleet') }, logger);
  await influx.ensureDatabase();
  t.teardown(() => influx.close());

  // Devices heartbeat every 2 s here; the rules are told so (offline after 3 missed = 6 s).
  const offline = { heartbeatIntervalS: 2, missedHeartbeats: 3 };
  const rules = parseRulesConfig({
    version: 1,
    evaluationIntervalS: 1,
    groupWaitS: 1,
    rules: { station_offline: { keepFiringS: 2, params: offline }, closed_in_hours: { params: offline }, appliance_fault: { keepFiringS: 2 } },
  });
  const metrics = new MetricsRegistry();
  const notifier = createNotifier({
    config: parseNotificationConfig({
      version: 1,
      retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
      districts: { SN: [{ type: 'webhook', url: receiver.url('/hook/SN') }], SB: [{ type: 'webhook', url: receiver.url('/hook/SB') }] },
    }),
    groupWaitMs: rules.groupWaitS * 1000,
    logger,
    metrics,
  });
  const consumer = createTelemetryConsumer({
    mqttUrl: broker.url,
    username: 'svc-alerting',
    password: broker.credentials['svc-alerting']!,
    clientId: `svc-alerting-test-${process.pid}`,
    clean: true,
    registry,
    logger,
    metrics,
  });
  t.teardown(() => consumer.close());
  const store = createInfluxStore({ influx, logger, spoolDir: scratchDir('alerting-spool-') });
  const database = await tempSqlite();
  t.teardown(() => database.close());
  const service = await createAlertingService({
    registry,
    rules,
    store,
    records: manualRecords(database.db),
    notifier,
    states: consumer.states,
    logger,
    metrics,
  });
  consumer.on('telemetry', (m) => service.handleTelemetry(m));
  await consumer.ready;
  service.start();
  t.teardown(() => service.close());

  const start = Date.now();
  const faults = resolveFaults(
    [
      parseFaultFlag('kind=appliance_fault,stations=SN-0001,appliance=microwave,code=E21,at=+4s,for=8s'),
      parseFaultFlag('kind=station_offline,stations=SB-0002,at=+4s,for=8s'),
    ],
    registry.stations,
    start,
    1,
  );
  const fleet = startFleet({
    registry,
    brokerUrl: broker.url,
    credentials: broker.credentials,
    seed: 1,
    speed: 1,
    start,
    shares: PERFECT_SHARES,
    faults,
    timing: { stepMs: 500, heartbeatMs: 2000, sampleMs: 1000 },
    tickMs: 100,
    logger,
  });
  t.teardown(async () => void (await fleet.stop()));
  await fleet.ready;

  const waitForEvent = async (path: string, kind: string, key: string, timeoutMs: number): Promise<number> => {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (eventsOf(receiver.received, path).some((e) => e.kind === kind && e.alert.key === key)) return Date.now();
      await new Promise((r) => setTimeout(r, 50));
    }
    t.fail(
      `${kind} ${key} did not reach ${path} in ${timeoutMs} ms; got ${JSON.stringify(receiver.received.map((r) => [r.path, r.body.events.map((e: Event) => `${e.kind}:${e.alert.key}`)]))}`,
    );
    return NaN;
  };

  const faultAt = start + 4000;
  // Fault code: fires at once, sent after the 1 s group wait. Last Will: the broker publishes it as the link drops.
  const faultSeen = await waitForEvent('/hook/SN', 'firing', 'SN-0001:appliance_fault', 15_000);
  const offlineSeen = await waitForEvent('/hook/SB', 'firing', 'SB-0002:station_offline', 15_000);
  // Configured delay: for 0 s + group wait 1 s, plus a simulator step (0.5 s) and a tick; margin for a busy machine.
  t.log(`fault notified ${faultSeen - faultAt} ms, offline ${offlineSeen - faultAt} ms after injection`);
  t.true(faultSeen - faultAt < 5000, `fault notified ${faultSeen - faultAt} ms after injection`);
  t.true(offlineSeen - faultAt < 5000, `offline notified ${offlineSeen - faultAt} ms after injection`);

  // Faults end at +12 s; resolved after keep-firing (2 s) and the group wait.
  await waitForEvent('/hook/SN', 'resolved', 'SN-0001:appliance_fault', 15_000);
  await waitForEvent('/hook/SB', 'resolved', 'SB-0002:station_offline', 15_000);

  const sn = eventsOf(receiver.received, '/hook/SN');
  const sb = eventsOf(receiver.received, '/hook/SB');
  t.true(
    sn.every((e) => e.alert.district === 'SN'),
    'SN receiver got only SN alerts',
  );
  t.true(
    sb.every((e) => e.alert.district === 'SB'),
    'SB receiver got only SB alerts',
  );
  t.deepEqual([...new Set(sn.map((e) => e.alert.key))], ['SN-0001:appliance_fault'], 'nothing else fired in SN');
  t.deepEqual([...new Set(sb.map((e) => e.alert.key))].sort(), ['SB-0002:station_offline'], 'nothing else fired in SB');
  t.is(service.get('SN-0001:appliance_fault')?.state, 'resolved');
});
