import test from 'ava';
import { DAY_MS } from '../../domain/schedule.js';
import { ALERTING_SERIES, coveragePoint, TAGS, toPoint } from '../../domain/series.js';
import { connectInflux } from '../../lib/influx/client.js';
import { createLogger } from '../../lib/logger.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { createInfluxStore } from '../../alerting/influx-store.js';
import { alertFixture } from '../helpers/alert-fixture.js';
import { withInfluxd } from '../helpers/influxd.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const fixture = withInfluxd(test);
const logger = createLogger('test', 'silent');
const registry = loadRegistryFile();

async function open() {
  const influx = await connectInflux({ url: fixture.influxd().url, database: fixture.newDatabase('alerting') }, logger);
  await influx.ensureDatabase();
  const store = createInfluxStore({ influx, logger, spoolDir: scratchDir('alerting-spool-') });
  return { influx, store };
}

const alert = alertFixture;

test('transitions round-trip: the newest per key, and resolved history since a time', async (t) => {
  const { influx, store } = await open();
  t.teardown(() => influx.close());
  const t0 = Date.UTC(2026, 4, 6, 2);
  const fired = alert();
  const acked = alert({ state: 'acknowledged', acknowledgedBy: '李伟', acknowledgedAt: t0 + 60_000, ackComment: '已派人 "维修", 明天到' });
  store.append({ kind: 'transition', stored: { transition: { alert: fired, from: null, to: 'firing', at: t0 }, firedAt: t0 } });
  await store.save({
    kind: 'transition',
    stored: { transition: { alert: acked, from: 'firing', to: 'acknowledged', at: t0 + 60_000, by: '李伟' }, firedAt: t0 },
  });
  const other = alert({ key: 'SB-0001:station_offline', ruleId: 'station_offline', stationId: 'SB-0001', district: 'SB', severity: 'critical' });
  store.append({ kind: 'transition', stored: { transition: { alert: other, from: null, to: 'firing', at: t0 }, firedAt: t0 } });
  store.append({
    kind: 'transition',
    stored: {
      transition: {
        alert: { ...other, state: 'resolved', resolvedAt: t0 + 5000, resolvedBy: 'system' },
        from: 'firing',
        to: 'resolved',
        at: t0 + 5000,
        by: 'system',
      },
      firedAt: null,
    },
  });
  await store.flush();
  const loaded = await store.loadAlerts(t0 - 1000);
  const byKey = new Map(loaded.latest.map((s) => [s.transition.alert.key, s]));
  t.deepEqual(byKey.get(fired.key)!.transition.alert, acked);
  t.is(byKey.get(fired.key)!.firedAt, t0);
  t.is(byKey.get(other.key)!.transition.to, 'resolved');
  t.deepEqual(
    loaded.resolved.map((a) => a.key),
    [other.key],
  );
  t.deepEqual((await store.loadAlerts(t0 + 10_000)).resolved, []);
});

test('a checkpoint newer than the last transition wins; a transition after it wins over it', async (t) => {
  const { influx, store } = await open();
  t.teardown(() => influx.close());
  const t0 = Date.UTC(2026, 4, 6, 2);
  const a = alert();
  store.append({ kind: 'transition', stored: { transition: { alert: a, from: null, to: 'firing', at: t0 }, firedAt: t0 } });
  store.append({ kind: 'snapshot', alert: { ...a, lastSeen: t0 + 60_000 }, firedAt: t0, at: t0 + 60_000 });
  await store.flush();
  t.is((await store.loadAlerts(t0)).latest[0]!.transition.alert.lastSeen, t0 + 60_000);
  store.append({
    kind: 'transition',
    stored: { transition: { alert: { ...a, state: 'resolved', resolvedAt: t0 + 90_000 }, from: 'firing', to: 'resolved', at: t0 + 90_000 }, firedAt: null },
  });
  await store.flush();
  t.is((await store.loadAlerts(t0)).latest[0]!.transition.to, 'resolved');
});

test('attestation points (for the boards) and rollups round-trip', async (t) => {
  const { influx, store } = await open();
  t.teardown(() => influx.close());
  const now = Date.UTC(2026, 4, 6, 2);
  const att = { stationId: 'SN-0001', item: 'medical_kit' as const, present: true, working: false, by: '检查员', at: now, note: '药品过期' };
  await store.save({ kind: 'attestation', attestation: att, district: 'SN' });
  t.like((await influx.query('SELECT "working", "by" FROM "attestation" WHERE "item" = $item', { item: 'medical_kit' }))[0], {
    working: 0,
    by: '检查员',
    time: now,
  });
  const rollup = {
    stationId: 'SN-0001',
    district: 'SN' as const,
    date: '2026-05-05',
    scheduledMs: 1000,
    openMs: 900,
    closedMs: 60,
    offlineMs: 40,
    uncoveredMs: 300,
    declaredClosedMs: 0,
  };
  await store.save({ kind: 'rollup', rollup });
  await store.save({ kind: 'rollup', rollup: { ...rollup, openMs: 950 } });
  t.deepEqual(await store.loadRollups('2026-05-01'), [{ ...rollup, openMs: 950 }], 'a recomputed rollup replaces the old one');
  t.deepEqual(await store.loadRollups('2026-05-06'), []);
});

test('coverage points of every source are read back for a window; rollups stored before the not-open split load with zeros', async (t) => {
  const { influx, store } = await open();
  t.teardown(() => influx.close());
  const day = Date.UTC(2026, 4, 5, 16);
  const writer = influx.writer({ spoolDir: scratchDir('coverage-spool-') });
  writer.write([
    coveragePoint('svc-ingest', day + 15_000, 15_000),
    coveragePoint('svc-ingest-b', day + 15_000, 15_000),
    coveragePoint('import', day + DAY_MS, DAY_MS),
    coveragePoint('svc-ingest', day + 3 * DAY_MS, 10),
  ]);
  // A rollup point as written before closed/offline/uncovered were stored apart.
  writer.write({
    measurement: ALERTING_SERIES.complianceDaily.measurement,
    tags: { [TAGS.station]: 'SN-0002', [TAGS.district]: 'SN' },
    time: day,
    fields: { date: { type: 'string', value: '2026-05-06' }, scheduled_ms: { type: 'int', value: 100 }, open_ms: { type: 'int', value: 80 } },
  });
  await writer.close();
  const marks = await store.loadCoverage(day, day + 60_000);
  t.deepEqual(
    marks.map((m) => [m.end - day, m.spanMs]).sort((a, b) => a[0]! - b[0]!),
    [
      [15_000, 15_000],
      [15_000, 15_000],
      [DAY_MS, DAY_MS],
    ],
    'both ingests, and the day-long import that ends later but covers the window',
  );
  t.deepEqual(await store.loadRollups('2026-05-06'), [
    { stationId: 'SN-0002', district: 'SN', date: '2026-05-06', scheduledMs: 100, openMs: 80, closedMs: 0, offlineMs: 0, uncoveredMs: 0, declaredClosedMs: 0 },
  ]);
});

test('serving samples: the last open state before the day, and heartbeats from the stale margin on', async (t) => {
  const { influx, store } = await open();
  t.teardown(() => influx.close());
  const station = registry.get('SN-0001')!;
  const from = Date.UTC(2026, 4, 6);
  const w = influx.writer({ spoolDir: scratchDir('alerting-spool-') });
  const svc = (ts: number, open: boolean) =>
    toPoint({ channel: 'service', stationId: station.id, ts, data: { station: station.id, ts, open, door: 'closed' } }, station);
  const hb = (ts: number) =>
    toPoint({ channel: 'status', stationId: station.id, ts, data: { station: station.id, ts, online: true, reason: 'heartbeat' } }, station);
  w.write([
    svc(from - 5000_000, true),
    svc(from - 4000_000, false),
    svc(from - 3000_000, true),
    svc(from + 1000, false),
    hb(from - 90_000),
    hb(from - 30_000),
    hb(from + 10_000),
  ]);
  await w.close();
  const s = await store.loadServingSamples(station.id, from, from + 86_400_000, 60_000);
  t.deepEqual(s.open, [
    { t: from - 3000_000, on: true },
    { t: from + 1000, on: false },
  ]);
  t.deepEqual(s.online, [
    { t: from - 30_000, on: true },
    { t: from + 10_000, on: true },
  ]);
  const district = await store.loadDistrictServingSamples('SN', from, from + 86_400_000, 60_000);
  t.deepEqual([...district.keys()], ['SN-0001']);
  t.deepEqual(district.get('SN-0001'), s, 'a district read gives each station what its own read gives');
  t.deepEqual(await store.loadDistrictServingSamples('SB', from, from + 86_400_000, 60_000), new Map());
});
