// The history `npm start` writes before the fleet starts (platform/fill-history.ts): N stations ×
// D days into a private influxd, as the platform does it.
//   npx tsx bench/fill-history.ts [--stations 600] [--days 30]
// Heartbeats as the platform writes them: compliance.onlineAfterS of config/rules.json ÷ 1.5, as held runs.
// Then reads them back and folds daily rollups as the platform's rollUpFilled does (rollupSeconds).
// Prints one JSON object: wall time, points written, points/s, CPU of this process and of influxd
// (on a shared machine the CPU seconds are the figure to compare: wall time waits for other work).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createInfluxStore } from '../alerting/influx-store.js';
import { sampleReader } from '../alerting/serving-samples.js';
import { DAY_MS, localDateOf } from '../domain/schedule.js';
import { rollupDay } from '../rules/compliance.js';
import { stationSignals, trackerFromSamples } from '../rules/serving.js';
import { connectInflux } from '../lib/influx/client.js';
import { startPrivateInfluxd } from '../lib/influx/private-influxd.js';
import { createLogger } from '../lib/logger.js';
import { projectPath } from '../lib/paths.js';
import { loadRulesFile } from '../alerting/rules-file.js';
import { loadRegistryFile } from '../lib/registry-file.js';
import { fillHistory } from '../platform/fill-history.js';
import { pidOf, sample } from './lib/proc.js';

const { values } = parseArgs({
  options: { stations: { type: 'string', default: '600' }, days: { type: 'string', default: '30' } },
});
const registry = loadRegistryFile();
const stations = registry.stations.slice(0, Number(values.stations));
const logger = createLogger('bench-fill', 'warn');
const staleMs = loadRulesFile(projectPath('config/rules.json')).compliance.onlineAfterS * 1000;
const heartbeatMs = Math.floor(staleMs / 1.5);
const influxd = await startPrivateInfluxd();
try {
  const influx = await connectInflux({ url: influxd.url, database: 'bench_fill' }, logger);
  await influx.ensureDatabase();
  const now = Date.now();
  const influxdPid = pidOf(influxd.dataDir);
  const influxdCpu0 = sample(influxdPid).cpuS;
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
    heartbeatMs,
    staleMs,
    logger,
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const influxdCpuSeconds = sample(influxdPid).cpuS - influxdCpu0;
  // What the platform does next (rollUpFilled): every station's serving samples read back and folded into daily rollups.
  const t1 = performance.now();
  const read = sampleReader(
    { ...registry, stations } as typeof registry,
    createInfluxStore({ influx, logger, spoolDir: mkdtempSync(join(tmpdir(), 'bench-fill-')) }),
    staleMs,
  );
  let rollups = 0;
  await read(result!.from, result!.to, (s, samples) => {
    const signals = stationSignals(trackerFromSamples(samples.open, samples.online, staleMs), [[result!.from, result!.to]], result!.from, result!.to);
    for (let day = result!.from; day < result!.to; day += DAY_MS) {
      rollupDay(s.id, s.district, s.openingHours, signals, localDateOf(day));
      rollups++;
    }
  });
  const rollupSeconds = (performance.now() - t1) / 1000;
  await influx.close();
  process.stdout.write(
    `${JSON.stringify({
      bench: 'fill-history',
      stations: stations.length,
      days: Number(values.days),
      heartbeatS: heartbeatMs / 1000,
      seconds: Number(seconds.toFixed(1)),
      points: result?.points ?? 0,
      pointsPerSecond: Math.round((result?.points ?? 0) / seconds),
      processCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
      influxdCpuSeconds: Number(influxdCpuSeconds.toFixed(1)),
      rollups,
      rollupSeconds: Number(rollupSeconds.toFixed(1)),
    })}\n`,
  );
} finally {
  await influxd.stop();
}
