import test, { type ExecutionContext } from 'ava';
import { Registry as MetricsRegistry } from 'prom-client';
import { DAY_MS, localHour, overlapMs, scheduledIntervals, totalMs, type Interval } from '../../domain/schedule.js';
import { SERIES, TAGS } from '../../domain/series.js';
import { indexRegistry } from '../../domain/registry.js';
import { startIngest } from '../../ingest/ingest.js';
import type { Influx } from '../../lib/influx/client.js';
import { createLogger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { backfill } from '../../device-sim/backfill.js';
import { resolveFaults } from '../../device-sim/faults.js';
import { startFleet } from '../../device-sim/fleet.js';
import { stationProfile, PERFECT_SHARES } from '../../device-sim/model/profile.js';
import { startTestBroker } from '../helpers/broker.js';
import { withInfluxd } from '../helpers/influxd.js';
import { settledMetric, tempDir } from '../ingest/fixtures.js';
import { until } from '../helpers/poll.js';

// Simulated days through the real pipeline (broker → ingest → private influxd), then the shapes
// the dashboards and rules rely on, read back with InfluxQL.

const fixture = withInfluxd(test);
const logger = createLogger('device-sim-pipeline', process.env.LOG_LEVEL ?? 'silent');
const full = loadRegistryFile();
const SEED = 11;
// Schedule-keeping varies; link and power never fail, so every gap in service is the schedule's.
const shares = { ...PERFECT_SHARES, lateOpener: 0.25, earlyCloser: 0.25, closesForDays: 0.1 };
// Weekly-schedule stations (so opening late or closing early is visible) plus a few 24 h ones.
const stations = [
  ...full.stations.filter((s) => s.openingHours.type === 'weekly').slice(0, 12),
  ...full.stations.filter((s) => s.openingHours.type === '24h').slice(0, 3),
];
const registry = indexRegistry(stations);
const iso = (t: number): string => new Date(t).toISOString();

async function pipeline(t: ExecutionContext) {
  const broker = await startTestBroker({ registry });
  t.teardown(() => broker.close());
  const influx = await fixture.connect(t);
  const metrics = new MetricsRegistry();
  const ingest = await startIngest({
    mqttUrl: broker.url,
    username: 'svc-ingest',
    password: broker.credentials['svc-ingest']!,
    clientId: 'svc-ingest-sim',
    registry,
    logger,
    metrics,
    influx,
    writer: { spoolDir: await tempDir(t), batchSize: 2000, flushMs: 100 },
  });
  t.teardown(() => ingest.close());
  // At least n points, and none arriving for a second: the run is all in InfluxDB before it is judged.
  const written = (n: number) => settledMetric(metrics, 'ingest_points_written_total', { quietMs: 1000, atLeast: n });
  return { broker, influx, written };
}

/** Meal peaks in occupancy, capacity respected, normal stations compliant and late openers/early closers not. */
async function checkDailyShapes(t: ExecutionContext, influx: Influx, from: number, to: number): Promise<void> {
  const occupancy = await influx.query(`SELECT people, "${TAGS.station}" FROM ${SERIES.occupancy.measurement} WHERE time >= $from`, { from: iso(from) });
  const byHour = Array.from({ length: 24 }, () => ({ sum: 0, n: 0 }));
  for (const r of occupancy) {
    const h = Math.floor(localHour(Number(r.time)));
    byHour[h]!.sum += Number(r.people);
    byHour[h]!.n++;
    t.true(Number(r.people) <= registry.get(String(r.station))!.capacity);
  }
  const mean = (a: number, b: number) => byHour.slice(a, b).reduce((x, y) => x + y.sum, 0) / byHour.slice(a, b).reduce((x, y) => x + y.n, 0);
  t.true(mean(11, 13) > 1.5 * mean(14, 17), `lunch ${mean(11, 13)} vs afternoon ${mean(14, 17)}`);
  t.true(mean(17, 19) > 1.5 * mean(14, 17), `dinner ${mean(17, 19)} vs afternoon ${mean(14, 17)}`);

  // Compliance from the raw service series alone.
  const compliance = new Map<string, number>();
  for (const s of stations) {
    const rows = await influx.query(
      `SELECT "open" FROM ${SERIES.service.measurement} WHERE "${TAGS.station}" = $station AND time >= $from AND time < $to ORDER BY time`,
      {
        station: s.id,
        from: iso(from),
        to: iso(to),
      },
    );
    // The state at the window's start is the last one sent before it (service is sent on change and with heartbeats).
    const before = await influx.query(`SELECT last("open") FROM ${SERIES.service.measurement} WHERE "${TAGS.station}" = $station AND time < $from`, {
      station: s.id,
      from: iso(from),
    });
    const open: Interval[] = [];
    let since: number | null = Number(before[0]?.last) === 1 ? from : null;
    for (const r of rows) {
      if (Number(r.open) === 1 && since === null) since = Number(r.time);
      if (Number(r.open) === 0 && since !== null) {
        open.push([since, Number(r.time)]);
        since = null;
      }
    }
    if (since !== null) open.push([since, to]);
    const scheduled = scheduledIntervals(s.openingHours, from, to);
    compliance.set(s.id, overlapMs(scheduled, open) / totalMs(scheduled));
  }
  const byBehaviour = (b: string, type?: 'weekly') =>
    stations.filter((s) => stationProfile(SEED, s, shares).behaviour === b && (!type || s.openingHours.type === type)).map((s) => compliance.get(s.id)!);
  const normal = byBehaviour('normal');
  // A 24 h station never opens or closes, so it cannot open late or close early.
  const faulty = [...byBehaviour('late_opener', 'weekly'), ...byBehaviour('early_closer', 'weekly')];
  t.true(normal.length >= 3 && faulty.length >= 3, `${normal.length} normal, ${faulty.length} late/early`);
  // Service state is sampled at the model step: normal stations lose at most a few minutes a day.
  for (const c of normal) t.true(c > 0.95, `normal ${c}`);
  t.true(Math.min(...normal) > faulty.reduce((a, b) => a + b, 0) / faulty.length, `normal ${normal} vs faulty ${faulty}`);
}

async function fridgeRange(influx: Influx, from: number, to: number, station?: string) {
  return influx.query(
    `SELECT min(temp_c), max(temp_c) FROM ${SERIES.appliance.measurement} WHERE "${TAGS.appliance}" = 'fridge' ${station ? `AND "${TAGS.station}" = $station` : ''} AND time >= $from AND time < $to GROUP BY "${TAGS.station}"`,
    { from: iso(from), to: iso(to), ...(station ? { station } : {}) },
  );
}

test('a fleet at high speed puts days with meal peaks, compliance by behaviour and fridges in range into InfluxDB', async (t) => {
  const { broker, influx, written } = await pipeline(t);
  // Three days from the start: connecting (a scrypt check per station, slower on a loaded machine) may eat a
  // simulated day at this speed, and at least one whole day must remain to judge.
  const to = Date.now();
  const from = to - 3 * DAY_MS;
  const fleet = startFleet({
    registry,
    stations,
    brokerUrl: broker.url,
    credentials: broker.credentials,
    seed: SEED,
    speed: 20_000,
    start: from,
    shares,
    timing: { stepMs: 5 * 60_000, heartbeatMs: 15 * 60_000, sampleMs: 60 * 60_000 },
    tickMs: 50,
    logger,
  });
  t.teardown(() => fleet.stop().then(() => undefined));
  await fleet.ready;
  // Stations start sending once connected: the shapes are checked from then on.
  const connectedAt = fleet.simulatedNow();
  t.true(connectedAt < to - DAY_MS, `connecting took ${((connectedAt - from) / DAY_MS).toFixed(1)} simulated days`);
  await until(() => fleet.simulatedNow() >= to, 30_000);
  const final = await fleet.stop();
  t.is(final.failed, 0);
  t.log(`live fleet: ${final.acknowledged} messages in ${final.elapsedS} s`);
  // The shutdown statuses are written too; a point may hold two messages of the same station and time.
  await written(final.acknowledged * 0.95);
  await new Promise((r) => setTimeout(r, 500));

  await checkDailyShapes(t, influx, connectedAt + 3_600_000, to);
  const fridges = await fridgeRange(influx, from, to);
  t.is(fridges.length, stations.filter((s) => s.equipment.fridge === 'telemetry').length);
  for (const r of fridges) t.true(Number(r.min) >= 1.5 && Number(r.max) <= 6.5, `${String(r.station)} ${String(r.min)}..${String(r.max)}`);
});

test('a backfill of past days is persisted without loss, and an injected fridge fault shows in the temperatures', async (t) => {
  const { broker, influx, written } = await pipeline(t);
  const warming = stations.find((s) => s.equipment.fridge === 'telemetry')!;
  const to = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * DAY_MS;
  const from = to - 2 * DAY_MS;
  const faults = resolveFaults([{ kind: 'fridge_warming', stations: [warming.id], at: { offsetMs: DAY_MS }, for: undefined }], stations, from, SEED);
  const result = await backfill({ stations, brokerUrl: broker.url, credentials: broker.credentials, seed: SEED, from, to, shares, faults, logger });
  t.is(result.failed, 0);
  t.log(`backfill: ${result.acknowledged} messages in ${result.elapsedS} s`);
  await written(result.acknowledged);

  // Zero loss: every acknowledged message is one point.
  const fieldOf = { status: 'online', service: 'open', occupancy: 'people', appliance: 'on', speaker: 'online' } as const;
  let points = 0;
  for (const [key, field] of Object.entries(fieldOf)) {
    const rows = await influx.query(`SELECT count("${field}") FROM ${SERIES[key as keyof typeof SERIES].measurement} WHERE time >= $from AND time < $to`, {
      from: iso(from),
      to: iso(to),
    });
    points += Number(rows[0]?.count ?? 0);
  }
  t.is(points, result.acknowledged);

  await checkDailyShapes(t, influx, from, to);
  for (const r of await fridgeRange(influx, from, from + DAY_MS))
    t.true(Number(r.min) >= 1.5 && Number(r.max) <= 6.5, `${String(r.station)} ${String(r.min)}..${String(r.max)}`);
  const warmed = await fridgeRange(influx, from + DAY_MS, to, warming.id);
  t.true(Number(warmed[0]?.max) > 10, `warming fridge max ${String(warmed[0]?.max)}`);
});
