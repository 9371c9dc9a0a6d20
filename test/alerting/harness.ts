import { Registry as MetricsRegistry } from 'prom-client';
import { indexRegistry, type Registry } from '../../domain/registry.js';
import { type OpeningHours, OpeningHoursSchema, WEEKDAYS } from '../../domain/schedule.js';
import { coveragePoint, toPoint } from '../../domain/series.js';
import { applyTelemetry, initialState, type StationState } from '../../domain/station-state.js';
import type { Telemetry } from '../../domain/telemetry.js';
import type { Database } from '../../lib/db/database.js';
import { connectInflux, type Influx } from '../../lib/influx/client.js';
import { createLogger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { coverageMarks } from '../../rules/coverage.js';
import { parseRulesConfig, type RulesConfig } from '../../rules/rule-config.js';
import { createInfluxStore } from '../../alerting/influx-store.js';
import { parseNotificationConfig } from '../../alerting/notification-config.js';
import { createNotifier } from '../../alerting/notifier.js';
import { manualRecords } from '../../alerting/manual-records.js';
import { createAlertingService, type AlertingService } from '../../alerting/service.js';
import type { AlertStore } from '../../alerting/store.js';
import { tempSqlite } from '../helpers/database.js';
import type { HttpReceiver } from './receivers.js';
import { scratchDir } from '../helpers/scratch-dir.js';

// One alerting service over a small registry, a real influxd database, a controllable clock and
// local webhook receivers per district (and for city staff).

export const logger = createLogger('test', process.env.LOG_LEVEL ?? 'silent');
const full = loadRegistryFile();
// The tests state these stations' hours (SN-0001 08:00-21:30, SN-0002 24 h, SB-0001 06:30-20:00): pinned here, so
// regenerating the default registry does not move them.
const everyDay = (open: string, close: string): OpeningHours =>
  OpeningHoursSchema.parse({ type: 'weekly', weekly: Object.fromEntries(WEEKDAYS.map((d) => [d, [{ open, close }]])), closedDates: [] });
const PINNED_HOURS: Record<string, OpeningHours> = {
  'SN-0001': everyDay('08:00', '21:30'),
  'SN-0002': { type: '24h', closedDates: [] },
  'SB-0001': everyDay('06:30', '20:00'),
};
export const smallRegistry: Registry = indexRegistry(Object.entries(PINNED_HOURS).map(([id, openingHours]) => ({ ...full.get(id)!, openingHours })));

export interface Harness {
  service: AlertingService;
  store: AlertStore;
  /** Silences and attestations (a temp SQLite file unless given). */
  records: Database;
  influx: Influx;
  states: Map<string, StationState>;
  clock: { now: number };
  /** Folds a message into the live state, stores it as the ingest would, and hands it to the service. */
  send(message: Telemetry): void;
  /** Writes raw telemetry to InfluxDB as the ingest would (for rollups). */
  ingest(messages: Telemetry[]): Promise<void>;
  /** Resolves once every notification raised so far was delivered (or gave up): the notifier's own flush. */
  delivered(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  url: string;
  database: string;
  receiver: HttpReceiver;
  start: number;
  registry?: Registry;
  rules?: Record<string, unknown>;
  /** The platform was watching from this time until `start`: coverage points are written before the service starts, as a running ingest would have. */
  coveredSince?: number;
  /** Silences and attestations: kept open across a restart when given; default: a temp SQLite file of its own. */
  records?: Database;
  /** Wraps the store (to delay or fail writes). */
  wrapStore?: (s: AlertStore) => AlertStore;
}

export async function startHarness(o: HarnessOptions): Promise<Harness> {
  const registry = o.registry ?? smallRegistry;
  const influx = await connectInflux({ url: o.url, database: o.database }, logger);
  await influx.ensureDatabase();
  const base = createInfluxStore({ influx, logger, spoolDir: scratchDir('alerting-spool-') });
  const store = o.wrapStore ? o.wrapStore(base) : base;
  const rules: RulesConfig = parseRulesConfig({ version: 1, groupWaitS: 0, ...o.rules });
  const notifications = parseNotificationConfig({
    version: 1,
    retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    city: [{ type: 'webhook', url: o.receiver.url('/hook/city') }],
    districts: { SN: [{ type: 'webhook', url: o.receiver.url('/hook/SN') }], SB: [{ type: 'webhook', url: o.receiver.url('/hook/SB') }] },
  });
  const clock = { now: o.start };
  const metrics = new MetricsRegistry();
  const notifier = createNotifier({ config: notifications, groupWaitMs: rules.groupWaitS * 1000, logger, metrics });
  const states = new Map(registry.stations.map((s) => [s.id, initialState(s)]));
  const records = o.records ?? (await tempSqlite());
  const rawWriter = influx.writer({ spoolDir: scratchDir('alerting-raw-') });
  if (o.coveredSince !== undefined) {
    rawWriter.write(coverageMarks(o.coveredSince, o.start).map((m) => coveragePoint('test-ingest', m.end, m.spanMs)));
    await rawWriter.flush();
  }
  const service = await createAlertingService({
    registry,
    rules,
    store,
    records: manualRecords(records.db),
    notifier,
    states,
    logger,
    metrics,
    now: () => clock.now,
  });
  return {
    service,
    store,
    records,
    influx,
    states,
    clock,
    send(message) {
      const state = applyTelemetry(states.get(message.stationId)!, message);
      states.set(message.stationId, state);
      rawWriter.write(toPoint(message, registry.get(message.stationId)!));
      service.handleTelemetry(message);
    },
    async ingest(messages) {
      rawWriter.write(messages.map((m) => toPoint(m, registry.get(m.stationId)!)));
      await rawWriter.flush();
    },
    delivered: () => notifier.flush(),
    async close() {
      await rawWriter.close();
      await service.close();
      await store.close();
      if (!o.records) await records.close();
      await influx.close();
    },
  };
}

export const tm = {
  heartbeat: (station: string, ts: number): Telemetry => ({
    channel: 'status',
    stationId: station,
    ts,
    data: { station, ts, online: true, reason: 'heartbeat', wifiRssiDbm: -55 },
  }),
  lwt: (station: string, ts: number): Telemetry => ({ channel: 'status', stationId: station, ts, data: { station, online: false, reason: 'lwt' } }),
  service: (station: string, ts: number, open: boolean): Telemetry => ({
    channel: 'service',
    stationId: station,
    ts,
    data: { station, ts, open, door: open ? 'open' : 'closed' },
  }),
  fault: (station: string, ts: number, faultCode: string | null): Telemetry => ({
    channel: 'appliance',
    stationId: station,
    ts,
    data: { station, ts, appliance: 'microwave', on: false, powerW: 0, faultCode },
  }),
};
