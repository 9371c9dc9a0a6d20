import test from 'ava';
import { Registry as MetricsRegistry } from 'prom-client';
import { indexRegistry } from '../../domain/registry.js';
import { isScheduledOpen, midnightOfDate } from '../../domain/schedule.js';
import { SERIES, TAGS } from '../../domain/series.js';
import { backfill } from '../../device-sim/backfill.js';
import { declaredCoverage } from '../../ingest/coverage-heartbeat.js';
import { startIngest } from '../../ingest/ingest.js';
import { connectInflux } from '../../lib/influx/client.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
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
import { scratchDir } from '../helpers/scratch-dir.js';

// A year of simulated history through the real pipeline (simulator backfill → broker → ingest →
// InfluxDB), rolled up by the alerting service, checked against an independent computation that
// samples the raw rows minute by minute.

const fixture = withInfluxd(test);

const MIN = 60_000;
/** The backfill heartbeats every 15 min; the rules are configured to match. */
const HEARTBEAT_S = 900;
const STALE_MS = HEARTBEAT_S * 1.5 * 1000;

interface Row {
  t: number;
  v: number;
}

/** Minute sampling: open at t when the newest service sample says open and the newest status is online and fresh. */
function sampledCompliance(hours: Parameters<typeof isScheduledOpen>[0], open: Row[], online: Row[], from: number, to: number): number {
  let i = -1;
  let j = -1;
  let scheduled = 0;
  let served = 0;
  for (let t = from + MIN / 2; t < to; t += MIN) {
    while (i + 1 < open.length && open[i + 1]!.t <= t) i++;
    while (j + 1 < online.length && online[j + 1]!.t <= t) j++;
    if (!isScheduledOpen(hours, t)) continue;
    scheduled++;
    const isOpen = i >= 0 && open[i]!.v === 1;
    const isOnline = j >= 0 && online[j]!.v === 1 && t - online[j]!.t < STALE_MS;
    if (isOpen && isOnline) served++;
  }
  return served / scheduled;
}

test('a year of backfilled simulation yields per-station compliance matching an independent computation from the raw rows', async (t) => {
  const full = loadRegistryFile();
  // Two windows a day with closure days, and a night schedule crossing midnight (a year each is ~50 000 messages).
  const ids = ['SB-0017', 'SN-0024'];
  const registry = indexRegistry(ids.map((id) => full.get(id)!));
  const broker = await startTestBroker({ registry: full, stationIds: ids });
  t.teardown(broker.close);
  const database = fixture.newDatabase('year');
  const influx = await connectInflux({ url: fixture.influxd().url, database }, logger);
  await influx.ensureDatabase();
  t.teardown(() => influx.close());

  const ingest = await startIngest({
    mqttUrl: broker.url,
    username: 'svc-ingest',
    password: broker.credentials['svc-ingest']!,
    clientId: `svc-ingest-year-${process.pid}`,
    clean: true,
    registry,
    logger,
    metrics: new MetricsRegistry(),
    influx,
    writer: { spoolDir: scratchDir('ingest-spool-'), batchSize: 5000, flushMs: 200 },
  });
  await ingest.consumer.ready;

  const from = midnightOfDate('2025-01-01');
  const to = midnightOfDate('2026-01-01');
  const t0 = Date.now();
  const stats = await backfill({
    stations: registry.stations,
    brokerUrl: broker.url,
    credentials: broker.credentials,
    seed: 7,
    from,
    to,
    channels: ['status', 'service'],
    // Flaky enough that offline time and late openings matter.
    shares: { lateOpener: 0.3, earlyCloser: 0.3, closesForDays: 0.3, wifiDropsPerDay: 1, powerOutagesPerMonth: 2, flaky: 0.5 },
    logger,
  });
  t.is(stats.failed, 0);
  // Every message arrived: the replayed year is declared watched, as an import would.
  ingest.writer.write(declaredCoverage('backfill', from, to));
  await ingest.close();
  t.log(`backfill + ingest: ${stats.sent} messages in ${Date.now() - t0} ms`);
  const t1 = Date.now();

  // Compliance's own heartbeat tolerance; the offline alert rule (and its district overrides) play no part.
  const rules = parseRulesConfig({
    version: 1,
    compliance: { onlineAfterS: STALE_MS / 1000 },
    overrides: [{ district: 'SB', rule: 'station_offline', set: { params: { heartbeatIntervalS: 30 } } }],
  });
  const metrics = new MetricsRegistry();
  const store = createInfluxStore({ influx, logger, spoolDir: scratchDir('alerting-spool-') });
  const records = await tempSqlite();
  t.teardown(() => records.close());
  const notifier = createNotifier({ config: parseNotificationConfig({ version: 1 }), groupWaitMs: 0, logger, metrics });
  const now = to - 1;
  const service = await createAlertingService({
    registry,
    rules,
    store,
    records: manualRecords(records.db),
    notifier,
    states: new Map(),
    logger,
    metrics,
    now: () => now,
  });
  t.teardown(() => service.close());
  const rollups = await service.rollupRange('2025-01-01', '2025-12-30');
  t.is(rollups.length, ids.length * 364);
  t.log(`service start + rollups: ${Date.now() - t1} ms`);

  for (const station of registry.stations) {
    const q = (measurement: string, field: string) =>
      influx.query(`SELECT "${field}" FROM "${measurement}" WHERE "${TAGS.station}" = $s AND time >= $from AND time < $to`, {
        s: station.id,
        from: new Date(from - 86_400_000).toISOString(),
        to: new Date(to).toISOString(),
      });
    const rows = (r: Array<Record<string, unknown>>, field: string): Row[] =>
      r.filter((x) => typeof x[field] === 'number').map((x) => ({ t: Number(x.time), v: Number(x[field]) }));
    const open = rows(await q(SERIES.service.measurement, 'open'), 'open');
    const online = rows(await q(SERIES.status.measurement, 'online'), 'online');
    t.true(open.length > 300 && online.length > 30_000, `${station.id}: ${open.length} service and ${online.length} status rows`);
    const expected = sampledCompliance(station.openingHours, open, online, from, to);
    const got = service.compliance(station.id)[0]!;
    t.log(`${station.id} (${station.openingHours.type}): year ${(got.yearToDate! * 100).toFixed(2)}% vs independent ${(expected * 100).toFixed(2)}%`);
    t.true(expected > 0.3 && expected < 0.999, `${station.id}: a non-trivial figure (${expected})`);
    t.true(Math.abs(got.yearToDate! - expected) < 0.002, `${station.id}: ${got.yearToDate} vs ${expected}`);
  }
});
