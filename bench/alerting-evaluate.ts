// Cost of the alerting service's hot paths, timed on the service itself (createAlertingService
// over a private influxd): one timer tick (every rule of all 600 stations) and one
// telemetry-triggered judgement, each station holding a year of daily compliance rollups.
// Prints one JSON object. Run: npm run bench:alerting [-- --ticks 20 --messages 6000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Registry as Metrics } from 'prom-client';
import { createInfluxStore } from '../alerting/influx-store.js';
import { parseNotificationConfig } from '../alerting/notification-config.js';
import { createNotifier } from '../alerting/notifier.js';
import { manualRecords } from '../alerting/manual-records.js';
import { createAlertingService } from '../alerting/service.js';
import { DAY_MS, localDateOf } from '../domain/schedule.js';
import { applyTelemetry, initialState, type StationState } from '../domain/station-state.js';
import type { Telemetry } from '../domain/telemetry.js';
import { openDatabase } from '../lib/db/database.js';
import { connectInflux } from '../lib/influx/client.js';
import { startPrivateInfluxd } from '../lib/influx/private-influxd.js';
import { createLogger } from '../lib/logger.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { RULES } from '../rules/catalog.js';
import { parseRulesConfig } from '../rules/rule-config.js';
import { NO_TIME } from '../rules/compliance.js';

const { values } = parseArgs({ options: { ticks: { type: 'string', default: '20' }, messages: { type: 'string', default: '6000' } } });
const TICKS = Number(values.ticks);
const MESSAGES = Number(values.messages);

const logger = createLogger('bench-alerting', 'silent');
const registry = loadRegistryFile();
const rules = parseRulesConfig({ version: 1 });
// Late in the year: the year-to-date figure covers ~350 days of rollups per station.
const now = Date.parse('2026-12-16T10:00:00+08:00');

const influxd = await startPrivateInfluxd({ logger });
const spool = mkdtempSync(join(tmpdir(), 'bench-alerting-'));
const influx = await connectInflux({ url: influxd.url, database: 'bench' }, logger);
await influx.ensureDatabase();
const store = createInfluxStore({ influx, logger, spoolDir: spool });
// Silences and attestations: an empty SQLite file beside the spool.
const database = await openDatabase(`sqlite:${join(spool, 'platform.db')}`, logger);

// A year of rollups: every station open 95–100 % of a 14 h day.
let rollupsStored = 0;
for (let day = Date.parse('2025-12-01T12:00:00+08:00'); day < now - DAY_MS; day += DAY_MS) {
  const date = localDateOf(day);
  registry.stations.forEach((s, i) => {
    const scheduledMs = 14 * 3_600_000;
    store.append({
      kind: 'rollup',
      rollup: { ...NO_TIME, stationId: s.id, district: s.district, date, scheduledMs, openMs: scheduledMs * (0.95 + ((i * 7 + day / DAY_MS) % 6) / 100) },
    });
    rollupsStored++;
  });
}
await store.flush();

// Live states: online, most open, every 25th fridge faulted.
const states = new Map<string, StationState>();
registry.stations.forEach((s, i) => {
  let st = initialState(s);
  const msgs: Telemetry[] = [
    { channel: 'status', stationId: s.id, ts: now - 10_000, data: { station: s.id, ts: now - 10_000, online: true, reason: 'heartbeat', wifiRssiDbm: -60 } },
    { channel: 'service', stationId: s.id, ts: now - 3_600_000, data: { station: s.id, ts: now - 3_600_000, open: i % 10 !== 0, door: 'closed' } },
    {
      channel: 'appliance',
      stationId: s.id,
      ts: now - 30_000,
      data: { station: s.id, ts: now - 30_000, appliance: 'fridge', on: true, powerW: 90, faultCode: i % 25 === 0 ? 'E1' : null, tempC: 4 },
    },
  ];
  for (const m of msgs) st = applyTelemetry(st, m);
  states.set(s.id, st);
});

const clock = { now };
const metrics = new Metrics();
const service = await createAlertingService({
  registry,
  rules,
  store,
  records: manualRecords(database.db),
  notifier: createNotifier({ config: parseNotificationConfig({ version: 1 }), groupWaitMs: 0, logger, metrics }),
  states,
  logger,
  metrics,
  now: () => clock.now,
});
const rollupsHeld = service.rollups().length;

service.evaluate(now);
let start = performance.now();
for (let k = 1; k <= TICKS; k++) service.evaluate((clock.now = now + k * 5000));
const fleetTickMs = (performance.now() - start) / TICKS;

// Heartbeats across the fleet, each folded into the live state and judged at once, as the consumer feeds them.
start = performance.now();
for (let k = 0; k < MESSAGES; k++) {
  const s = registry.stations[k % registry.stations.length]!;
  const ts = (clock.now += 1);
  const message: Telemetry = { channel: 'status', stationId: s.id, ts, data: { station: s.id, ts, online: true, reason: 'heartbeat', wifiRssiDbm: -60 } };
  service.handleTelemetry(message);
}
const perTelemetryUs = ((performance.now() - start) / MESSAGES) * 1000;

const openAlerts = service.list().filter((a) => a.state !== 'resolved').length;
await service.close();
await store.close();
await influx.close();
await database.close();
await influxd.stop();
rmSync(spool, { recursive: true, force: true });

console.log(
  JSON.stringify({
    stations: registry.stations.length,
    rules: RULES.length,
    rollupsStored,
    rollupsHeld,
    openAlerts,
    ticks: TICKS,
    fleetTickMs: Math.round(fleetTickMs * 100) / 100,
    perStationJudgementUs: Math.round((fleetTickMs / registry.stations.length) * 1000 * 10) / 10,
    messages: MESSAGES,
    perTelemetryUs: Math.round(perTelemetryUs * 10) / 10,
    telemetryPerSecond: Math.round(1e6 / perTelemetryUs),
  }),
);
