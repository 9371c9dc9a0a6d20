import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SERIES, type PointData } from '../../domain/series.js';
import { connectInflux, InfluxQueryError, openInflux, type WriterEvents } from '../../lib/influx/client.js';
import { decodeSegment } from '../../lib/influx/wal.js';
import { startPrivateInfluxd } from '../../lib/influx/private-influxd.js';
import { createLogger } from '../../lib/logger.js';
import { withInfluxd } from '../helpers/influxd.js';
import { tempDir } from '../ingest/fixtures.js';
import { until } from '../helpers/poll.js';

const fixture = withInfluxd(test);
const logger = createLogger('test-influx', 'silent');
const T0 = Date.UTC(2026, 4, 1);

const occupancy = (station: string, i: number): PointData => ({
  measurement: SERIES.occupancy.measurement,
  tags: { station, district: station.slice(0, 2) },
  fields: { people: { type: 'int', value: i % 7 }, entries: { type: 'int', value: i } },
  time: T0 + i * 1000,
});

test('detects 1.x and round-trips points through write and a parameterised query', async (t) => {
  const influx = await fixture.connect(t);
  t.is(influx.version, '1');
  const writer = influx.writer({ spoolDir: await tempDir(t), flushMs: 50 });
  writer.write([occupancy('SN-0001', 1), occupancy('SN-0001', 2), occupancy('SB-0002', 3)]);
  await writer.flush();
  const rows = await influx.query(`SELECT people, entries FROM ${SERIES.occupancy.measurement} WHERE station = $station ORDER BY time`, { station: 'SN-0001' });
  t.deepEqual(rows, [
    { time: T0 + 1000, people: 1, entries: 1 },
    { time: T0 + 2000, people: 2, entries: 2 },
  ]);
  const perStation = await influx.query(`SELECT count(entries) FROM ${SERIES.occupancy.measurement} GROUP BY station`);
  t.deepEqual(
    perStation.map((r) => [r.station, r.count]),
    [
      ['SB-0002', 1],
      ['SN-0001', 2],
    ],
  );
});

test('close and flush return only once every batch the library sent on its own is answered', async (t) => {
  const influx = await fixture.connect(t);
  const count = async (): Promise<number> => Number((await influx.query(`SELECT count(entries) FROM ${SERIES.occupancy.measurement}`))[0]?.count ?? 0);
  // Small batches: the library sends each full one at once and close() awaited only the last (the rest were lost at exit).
  const closing = influx.writer({ spoolDir: await tempDir(t), batchSize: 500, flushMs: 60_000 });
  closing.write(Array.from({ length: 20_000 }, (_, i) => occupancy('SN-0001', i)));
  await closing.close();
  t.is(await count(), 20_000);
  const flushing = influx.writer({ spoolDir: await tempDir(t), batchSize: 500, flushMs: 60_000 });
  flushing.write(Array.from({ length: 20_000 }, (_, i) => occupancy('SB-0002', i)));
  await flushing.flush();
  t.is(await count(), 40_000);
});

test('ensureDatabase is idempotent and applies the configured retention', async (t) => {
  const database = fixture.newDatabase();
  const influx = await fixture.connect(t, { database, retention: '30d' });
  await influx.ensureDatabase();
  const policies = await influx.query(`SHOW RETENTION POLICIES ON "${database}"`);
  t.deepEqual(
    policies.map((p) => [p.name, p.duration, p.shardGroupDuration, p.default]),
    [['autogen', '720h0m0s', '24h0m0s', true]],
  );
  const dbs = await influx.query('SHOW DATABASES');
  t.is(dbs.filter((d) => d.name === database).length, 1);
});

test('a parameter value cannot inject InfluxQL: no rows, data intact', async (t) => {
  const database = fixture.newDatabase();
  const influx = await fixture.connect(t, { database });
  const writer = influx.writer({ spoolDir: await tempDir(t) });
  writer.write([occupancy('SN-0001', 1), occupancy('SB-0002', 2)]);
  await writer.flush();
  for (const station of [`SN-0001' OR station =~ /.*/`, `x'; DROP DATABASE "${database}"; SELECT * FROM "x`, 'SN-0001" OR "1"="1']) {
    t.deepEqual(await influx.query(`SELECT * FROM ${SERIES.occupancy.measurement} WHERE station = $station`, { station }), []);
  }
  const count = await influx.query(`SELECT count(people) FROM ${SERIES.occupancy.measurement}`);
  t.is(count[0]?.count, 2);
});

test('a tag or string value with line-protocol syntax is stored as one point', async (t) => {
  const influx = await fixture.connect(t);
  const writer = influx.writer({ spoolDir: await tempDir(t) });
  const station = 'SN-0001 x=1\nother,station=SB-0002 y=2';
  const note = 'a" y=3i\nm z=4i 1';
  writer.write({ measurement: 'inj', tags: { station }, fields: { note: { type: 'string', value: note } }, time: T0 });
  await writer.flush();
  const rows = await influx.query('SELECT * FROM inj');
  // The string field round-trips verbatim; InfluxDB 1.x keeps an escaped newline in a tag as the two characters "\\n"
  // (registry ids never contain one). Either way it is one point, one series, one measurement.
  t.deepEqual(rows, [{ time: T0, station: station.replace('\n', '\\n'), note }]);
  t.deepEqual(await influx.query('SHOW MEASUREMENTS'), [{ name: 'inj' }]);
});

test('an InfluxQL error is thrown clearly', async (t) => {
  const influx = await connectInflux({ url: fixture.influxd().url, database: fixture.newDatabase() }, logger);
  t.teardown(() => influx.close());
  // No ensureDatabase: the second query must meet a missing database.
  await t.throwsAsync(influx.query('SELECT * FROM'), { instanceOf: InfluxQueryError, message: /error parsing query/ });
  await t.throwsAsync(influx.query('SELECT * FROM m'), { instanceOf: InfluxQueryError, message: /database not found/ });
});

test('points written while influxd is down stay in the write-ahead log, then replay on the next start', async (t) => {
  const dataDir = await tempDir(t);
  const spoolDir = await tempDir(t);
  let server = await startPrivateInfluxd({ dataDir });
  t.teardown(() => server.stop());
  const config = { url: server.url, database: 'spooltest', connectTimeoutMs: 5000 };
  const seen = { appended: 0, failed: 0, replayed: 0, written: 0 };
  const events: WriterEvents = {
    appended: (n) => (seen.appended += n),
    failed: () => seen.failed++,
    replayed: (n) => (seen.replayed += n),
    written: (n) => (seen.written += n),
  };

  const first = await connectInflux(config, logger);
  await first.ensureDatabase();
  const writer = first.writer({ spoolDir, flushMs: 20, batchSize: 50, minRetryDelayMs: 20, maxRetryDelayMs: 50, events });
  writer.write(Array.from({ length: 10 }, (_, i) => occupancy('SN-0001', i)));
  await writer.flush();
  t.is(seen.written, 10);
  t.deepEqual(await segments(spoolDir), [], 'a confirmed segment is deleted');

  await server.stop();
  // One point per write, as the ingest does.
  for (let i = 0; i < 120; i++) writer.write(occupancy('SN-0001', 100 + i));
  await writer.flush();
  await until(() => seen.failed >= 3);
  await first.close();
  t.is(seen.appended, 130);
  t.is(seen.written, 10);
  // 120 points in batches of 50: three segments wait on disk.
  t.is((await segments(spoolDir)).length, 3);

  server = await startPrivateInfluxd({ dataDir, port: server.port });
  const second = await connectInflux(config, logger);
  t.teardown(() => second.close());
  // A new writer replays the log as it starts.
  second.writer({ spoolDir, events });
  await until(() => seen.replayed >= 120);
  t.is(seen.replayed, 120);
  t.deepEqual(await segments(spoolDir), []);
  const count = await second.query(`SELECT count(entries) FROM ${SERIES.occupancy.measurement}`);
  t.is(count[0]?.count, 130);
});

test('a writer starts before InfluxDB answers and writes once it does', async (t) => {
  const dataDir = await tempDir(t);
  const probe = await startPrivateInfluxd({ dataDir });
  const port = probe.port;
  await probe.stop();
  const influx = openInflux({ url: `http://127.0.0.1:${port}`, database: 'late' }, logger);
  t.teardown(() => influx.close());
  let written = 0;
  const writer = influx.writer({
    spoolDir: await tempDir(t),
    flushMs: 20,
    minRetryDelayMs: 50,
    maxRetryDelayMs: 200,
    prepare: () => influx.ensureDatabase(),
    events: { written: (n) => (written += n) },
  });
  writer.write(Array.from({ length: 5 }, (_, i) => occupancy('SN-0001', i)));
  t.throws(() => influx.version, { message: /not known yet/ });
  const server = await startPrivateInfluxd({ dataDir, port });
  t.teardown(() => server.stop());
  await until(() => written >= 5);
  t.is(influx.version, '1');
  t.is((await influx.query(`SELECT count(entries) FROM ${SERIES.occupancy.measurement}`))[0]?.count, 5);
});

test('a batch InfluxDB refuses as invalid is kept under rejected/, not retried or replayed', async (t) => {
  const influx = await fixture.connect(t);
  const spoolDir = await tempDir(t);
  let rejected = 0;
  let failedAttempts = 0;
  const writer = influx.writer({ spoolDir, events: { rejected: (n) => (rejected += n), failed: () => failedAttempts++ } });
  writer.write(occupancy('SN-0001', 1));
  await writer.flush();
  // Same field, other type: InfluxDB answers 400 (field type conflict).
  writer.write({ ...occupancy('SN-0001', 2), fields: { people: { type: 'string', value: 'many' } } });
  await writer.flush();
  t.is(rejected, 1);
  t.is(failedAttempts, 1);
  t.is((await readdir(join(spoolDir, 'rejected'))).length, 1);
  t.deepEqual(await segments(spoolDir), []);
});

test('closing while influxd is down leaves what it holds in the log', async (t) => {
  const server = await startPrivateInfluxd();
  const spoolDir = await tempDir(t);
  const influx = await connectInflux({ url: server.url, database: 'closetest' }, logger);
  await influx.ensureDatabase();
  const writer = influx.writer({ spoolDir, flushMs: 60_000, minRetryDelayMs: 60_000 });
  await server.stop();
  writer.write(Array.from({ length: 25 }, (_, i) => occupancy('LC-0003', i)));
  await influx.close();
  const files = await segments(spoolDir);
  t.is(files.length, 1);
  t.is(decodeSegment(await readFile(join(spoolDir, files[0]!))).points, 25);
});

const segments = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((f) => f.endsWith('.wal'));
