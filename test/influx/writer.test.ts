import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SERIES, type PointData } from '../../domain/series.js';
import { decodeSegment } from '../../lib/influx/wal.js';
import { MAX_LINES_PER_TURN } from '../../lib/influx/writer.js';
import { withInfluxd } from '../helpers/influxd.js';
import { tempDir } from '../ingest/fixtures.js';
import { until } from '../helpers/poll.js';

const fixture = withInfluxd(test);
const T0 = Date.UTC(2026, 4, 1);
const occupancy = (i: number): PointData => ({
  measurement: SERIES.occupancy.measurement,
  tags: { station: 'SN-0001', district: 'SN' },
  fields: { people: { type: 'int', value: i % 7 }, entries: { type: 'int', value: i } },
  time: T0 + i * 1000,
});

test('when the log disk refuses writes, durable() holds until it takes them again; nothing is dropped and one blocked spell is reported once', async (t) => {
  const influx = await fixture.connect(t);
  const dir = join(await tempDir(t), 'wal');
  const seen = { blocked: 0, unblocked: 0, appended: 0 };
  const writer = influx.writer({
    spoolDir: dir,
    flushMs: 20,
    blockedRetryMs: 20,
    events: { blocked: () => seen.blocked++, unblocked: () => seen.unblocked++, appended: (n) => (seen.appended += n) },
  });
  writer.write(occupancy(0));
  t.is(writer.durable(), undefined, 'in the log at once (fsync policy interval)');
  await writer.flush();

  // The directory is gone and a file sits in its place: a new segment cannot be created (like EROFS or ENOSPC).
  await rm(dir, { recursive: true });
  await writeFile(dir, 'not a directory');
  writer.write(occupancy(1));
  writer.write(occupancy(2));
  const held = writer.durable();
  t.truthy(held);
  let released = false;
  void held!.then(() => (released = true));
  t.is(seen.blocked, 1);
  t.is(seen.appended, 1);
  t.is(writer.pendingPoints, 2);

  await rm(dir);
  await mkdir(dir);
  await held;
  t.true(released);
  t.is(seen.unblocked, 1);
  t.is(seen.appended, 3);
  await writer.flush();
  await until(async () => Number((await influx.query(`SELECT count(entries) FROM ${SERIES.occupancy.measurement}`))[0]?.count) === 3);
  t.is(writer.pendingPoints, 0);
});

test('fsync policy always: durable() waits for the group commit', async (t) => {
  const influx = await fixture.connect(t);
  const writer = influx.writer({ spoolDir: await tempDir(t), fsync: 'always' });
  writer.write(occupancy(0));
  const synced = writer.durable();
  t.truthy(synced);
  await synced;
  t.is(writer.durable(), undefined);
});

test('appendPerTurn: the writes of one turn of the event loop become one log record, durable only once the turn has ended', async (t) => {
  const influx = await fixture.connect(t);
  const dir = await tempDir(t);
  const writer = influx.writer({ spoolDir: dir, appendPerTurn: true, flushMs: 60_000, batchSize: 100_000 });
  // Read synchronously: an asynchronous read would let the turn end (and the group be appended) under it.
  const logged = () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.wal'));
    return files.length === 0 ? [] : decodeSegment(readFileSync(join(dir, files[0]!))).bodies;
  };
  for (let i = 0; i < 3; i++) writer.write(occupancy(i));
  const first = writer.durable();
  t.truthy(first, 'not yet in the log: a PUBACK must wait');
  t.deepEqual(logged(), []);
  await first;
  const bodies = logged();
  t.is(bodies.length, 1, 'one record, one write(2)');
  t.is(bodies[0]!.split('\n').length, 3);
  t.is(writer.durable(), undefined);

  // A turn that takes thousands of messages appends them in groups: the PUBACKs of a full group go at once.
  for (let i = 3; i < 3 + MAX_LINES_PER_TURN; i++) writer.write(occupancy(i));
  t.is(writer.durable(), undefined, 'a full group is in the log before the turn ends');
  t.deepEqual(
    logged()
      .slice(1)
      .map((b) => b.split('\n').length),
    [MAX_LINES_PER_TURN],
  );
  writer.write(occupancy(3 + MAX_LINES_PER_TURN));
  t.truthy(writer.durable());
  await writer.flush();
  const total = 4 + MAX_LINES_PER_TURN;
  await until(async () => Number((await influx.query(`SELECT count(entries) FROM ${SERIES.occupancy.measurement}`))[0]?.count) === total);
  t.is(writer.pendingPoints, 0);
});
