// The history `npm start` writes before the fleet starts (platform/fill-history.ts): N stations ×
// D days into a private influxd, as the platform does it.
//   npx tsx bench/fill-history.ts [--stations 600] [--days 30] [--heartbeat-min 5]
// Prints one JSON object: wall time, points written, points/s, CPU of this process.
import { parseArgs } from 'node:util';
import { connectInflux } from '../lib/influx/client.js';
import { startPrivateInfluxd } from '../lib/influx/private-influxd.js';
import { createLogger } from '../lib/logger.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { fillHistory } from '../platform/fill-history.js';

const { values } = parseArgs({
  options: { stations: { type: 'string', default: '600' }, days: { type: 'string', default: '30' }, 'heartbeat-min': { type: 'string', default: '5' } },
});
const registry = loadRegistryFile();
const stations = registry.stations.slice(0, Number(values.stations));
const logger = createLogger('bench-fill', 'warn');
const influxd = await startPrivateInfluxd();
try {
  const influx = await connectInflux({ url: influxd.url, database: 'bench_fill' }, logger);
  await influx.ensureDatabase();
  const now = Date.now();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fillHistory({
    influx,
    registry,
    stations,
    seed: 1,
    now,
    days: Number(values.days),
    until: now,
    heartbeatMs: Number(values['heartbeat-min']) * 60_000,
    logger,
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await influx.close();
  process.stdout.write(
    `${JSON.stringify({
      bench: 'fill-history',
      stations: stations.length,
      days: Number(values.days),
      heartbeatMin: Number(values['heartbeat-min']),
      seconds: Number(seconds.toFixed(1)),
      points: result?.points ?? 0,
      pointsPerSecond: Math.round((result?.points ?? 0) / seconds),
      processCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
    })}\n`,
  );
} finally {
  await influxd.stop();
}
