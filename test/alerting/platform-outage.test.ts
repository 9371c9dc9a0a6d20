import test from 'ava';
import { rmSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { Registry as MetricsRegistry } from 'prom-client';
import { indexRegistry } from '../../domain/registry.js';
import { localDateOf } from '../../domain/schedule.js';
import { PLATFORM_SERIES } from '../../domain/series.js';
import { telemetryTopic } from '../../domain/topics.js';
import { startIngest, type Ingest } from '../../ingest/ingest.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { complianceOf, coverageOf, pooledTime } from '../../rules/compliance.js';
import { parseRulesConfig } from '../../rules/rule-config.js';
import { createInfluxStore } from '../../alerting/influx-store.js';
import { parseNotificationConfig } from '../../alerting/notification-config.js';
import { createNotifier } from '../../alerting/notifier.js';
import { createAlertingService } from '../../alerting/service.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { withInfluxd } from '../helpers/influxd.js';
import { connectAs } from '../helpers/mqtt-clients.js';
import { until } from '../helpers/poll.js';
import { logger } from './harness.js';
import { manualRecords } from '../../alerting/manual-records.js';
import { tempSqlite } from '../helpers/database.js';
import { scratchDir } from '../helpers/scratch-dir.js';

// Issue 15: stop the platform (broker and ingest) with stations open, start it again. The outage is
// the platform's, not the stations': no station's compliance drops, and the outage shows as
// unwatched time. Real broker, ingest, influxd and MQTT clients; real time, kept short.

const fixture = withInfluxd(test);
const BEAT_MS = 100;
const OUTAGE_MS = 1500;

test('a platform outage with stations open lowers no station’s compliance and is reported as unwatched time', async (t) => {
  const full = loadRegistryFile();
  const ids = ['SN-0001', 'SB-0001'];
  // Always scheduled, so every millisecond of the run is judged.
  const registry = indexRegistry(ids.map((id) => ({ ...full.get(id)!, openingHours: { type: '24h' as const, closedDates: [] } })));
  const influx = await fixture.connect(t);
  const runStart = Date.now();
  const spoolDir = scratchDir('outage-spool-');

  const firstBroker = await startTestBroker({ registry, stationIds: ids });
  let broker: TestBroker = firstBroker;
  const heard = new Map<string, number>();
  const startIngestOn = (b: TestBroker): Promise<Ingest> =>
    startIngest({
      mqttUrl: b.url,
      username: 'svc-ingest',
      password: b.credentials['svc-ingest']!,
      clientId: `svc-ingest-outage-${process.pid}`,
      clean: true,
      registry,
      logger,
      metrics: new MetricsRegistry(),
      influx,
      writer: { spoolDir, flushMs: 50 },
      coverageTickMs: 100,
    }).then((ingest) => {
      ingest.consumer.on('telemetry', (m) => heard.set(m.stationId, (heard.get(m.stationId) ?? 0) + 1));
      return ingest;
    });
  let ingest = await startIngestOn(broker);

  // The stations: open, a heartbeat every BEAT_MS while connected; they reconnect on their own.
  const stations: MqttClient[] = [];
  for (const id of ids) {
    const c = await connectAs(broker, id, { reconnectPeriod: 50, clean: true });
    stations.push(c);
    const publish = (channel: 'status' | 'service', data: object) =>
      c.publish(telemetryTopic({ stationId: id, channel }), JSON.stringify({ station: id, ts: Date.now(), ...data }), { qos: 0 });
    publish('service', { open: true, door: 'open' });
    const timer = setInterval(() => c.connected && publish('status', { online: true, reason: 'heartbeat' }), BEAT_MS);
    t.teardown(() => {
      clearInterval(timer);
      c.end(true);
    });
  }
  const beats = (n: number) => until(() => ids.every((id) => (heard.get(id) ?? 0) >= n), { timeoutMs: 10_000, what: `${n} messages of each station` });
  await beats(25);

  // Outage: the ingest and the broker stop; the stations keep trying.
  await ingest.close();
  await firstBroker.broker.close();
  const downAt = Date.now();
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  broker = await startTestBroker({ registry, stationIds: ids, restartOf: firstBroker });
  // The first broker is closed already (a second close would destroy its session journal twice);
  // the restarted one shares its data dir, removed once both are down.
  t.teardown(async () => {
    await secondBroker.close();
    rmSync(firstBroker.dir, { recursive: true, force: true });
  });
  const secondBroker = broker;
  ingest = await startIngestOn(broker);
  const upAt = Date.now();
  heard.clear();
  await beats(30);
  await ingest.close();

  const rules = parseRulesConfig({ version: 1, compliance: { onlineAfterS: 1 } });
  const metrics = new MetricsRegistry();
  const store = createInfluxStore({ influx, logger, spoolDir: scratchDir('outage-alerting-') });
  const notifier = createNotifier({ config: parseNotificationConfig({ version: 1 }), groupWaitMs: 0, logger, metrics });
  const database = await tempSqlite();
  t.teardown(() => database.close());
  const service = await createAlertingService({ registry, rules, store, records: manualRecords(database.db), notifier, states: new Map(), logger, metrics });
  t.teardown(() => service.close());

  const sources = await influx.query(`SELECT count("span_ms") FROM "${PLATFORM_SERIES.coverage.measurement}"`);
  t.true(Number(sources[0]?.count) > 10, 'the ingest wrote its coverage heartbeat');
  // Rolled up from the stored rows over the days of the run (it may cross Shanghai midnight).
  const rollups = await service.rollupRange(localDateOf(runStart), localDateOf(Date.now()));
  for (const id of ids) {
    const time = pooledTime(rollups.filter((r) => r.stationId === id));
    t.log(`${id}: compliance ${complianceOf(time)}, watched ${((coverageOf(time) ?? 0) * 100).toFixed(4)} % of the scheduled time, ${JSON.stringify(time)}`);
    t.is(complianceOf(time), 1, `${id}: open all the time the platform watched`);
    t.is(time.offlineMs, 0, `${id}: the outage is not the station's offline time`);
    t.true(time.uncoveredMs >= upAt - downAt, `${id}: the outage (${upAt - downAt} ms) is unwatched time`);
    t.true(time.scheduledMs > 1000, `${id}: the watched time before and after the outage counts`);
    // The live figure (what the dashboard shows) comes from the same fold.
    if (localDateOf(runStart) === localDateOf(Date.now())) t.like(service.compliance(id)[0], { today: 1, time: { today: { offlineMs: 0 } } });
  }
});
