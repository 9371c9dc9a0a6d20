// bench/wal: the ingest's added cost per message for durability — PointWriter.write, i.e. line
// protocol + append to the write-ahead log (one write(2)) + batching, with InfluxDB unreachable so
// nothing is sent — per fsync policy, against the same points only converted to line protocol.
// Prints one JSON object.   npx tsx bench/wal.ts   (BENCH_WAL_POINTS=200000)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERIES, type PointData } from '../domain/series.js';
import { openInflux } from '../lib/influx/client.js';
import { toLine } from '../lib/influx/points.js';
import type { FsyncPolicy } from '../lib/influx/wal.js';
import { createLogger } from '../lib/logger.js';

const N = Number(process.env.BENCH_WAL_POINTS ?? 200_000);
const point = (i: number): PointData => ({
  measurement: SERIES.occupancy.measurement,
  tags: { station: `SN-${String(i % 600).padStart(4, '0')}`, district: 'SN' },
  fields: { people: { type: 'int', value: i % 7 }, entries: { type: 'int', value: i } },
  time: 1_780_000_000_000 + i,
});

function cpuMicrosPer(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return Math.round(((used.user + used.system) / N) * 100) / 100;
}

const logger = createLogger('bench', 'silent');
// Nothing listens on port 9: the writer keeps everything in its log, as during an InfluxDB outage.
const influx = openInflux({ url: 'http://127.0.0.1:9', database: 'bench' }, logger);
const result: Record<string, number> = {
  points: N,
  lineProtocolOnly: cpuMicrosPer(() => {
    for (let i = 0; i < N; i++) toLine(point(i));
  }),
};
for (const fsync of ['interval', 'never', 'always'] as FsyncPolicy[]) {
  const dir = mkdtempSync(join(tmpdir(), 'qdyz-bench-wal-'));
  const writer = influx.writer({ spoolDir: dir, fsync, maxBufferLines: 50_000 });
  // always: a message waits for its fsync (the ingest holds its PUBACK); timed separately below.
  if (fsync !== 'always')
    result[`write_${fsync}`] = cpuMicrosPer(() => {
      for (let i = 0; i < N; i++) writer.write(point(i));
    });
  else {
    const started = performance.now();
    const n = 200;
    for (let i = 0; i < n; i++) {
      writer.write(point(i));
      await writer.durable();
    }
    result.always_msPerMessage = Math.round(((performance.now() - started) / n) * 100) / 100;
  }
  await writer.close();
  rmSync(dir, { recursive: true, force: true });
}
await influx.close();
process.stdout.write(`${JSON.stringify({ bench: 'wal', unit: 'CPU µs per point (write_*), wall ms per message (always)', ...result }, null, 2)}\n`);
