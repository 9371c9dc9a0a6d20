import { SingleBar } from 'cli-progress';
import { DAY_MS, localDateOf } from '../domain/schedule.js';
import type { Station } from '../domain/station.js';
import type { AlertingService } from '../alerting/service.js';
import { demoInspections } from '../device-sim/demo-inspections.js';
import type { Logger } from '../lib/logger.js';
import { fillHistory, type FillHistoryOptions, type FillHistoryResult } from './fill-history.js';

// What a demo start puts in place before the live fleet: past days of telemetry (opt-in, it costs
// start-up time) and inspection records, so month figures and facility completeness mean something.

/** Writes `days` of history before today's live replay, with a progress bar on a terminal. */
export async function seedHistory(
  o: Omit<FillHistoryOptions, 'heartbeatMs' | 'staleMs' | 'onProgress'> & {
    /** Compliance's online setting: the history's heartbeats come often enough to keep a station online between them. */
    onlineAfterS: number;
  },
): Promise<FillHistoryResult | null> {
  if (o.days <= 0 || o.stations.length === 0) return null;
  const bar = process.stderr.isTTY ? new SingleBar({ format: '{bar} {percentage}% | history: {value}/{total} stations', hideCursor: true }) : null;
  bar?.start(o.stations.length, 0);
  try {
    return await fillHistory({
      ...o,
      heartbeatMs: Math.floor((o.onlineAfterS * 1000) / 1.5),
      staleMs: o.onlineAfterS * 1000,
      onProgress: (done) => bar?.update(done),
    });
  } finally {
    bar?.stop();
  }
}

/** Rolls up the days the history filled (the daily job catches up only a week). */
export async function rollUpFilled(service: AlertingService, filled: FillHistoryResult, now: number): Promise<void> {
  const yesterday = localDateOf(now - DAY_MS);
  const first = localDateOf(filled.from);
  if (first <= yesterday) await service.rollupRange(first, yesterday);
}

/** Inspection records for simulated stations that have none yet (a first start). */
export async function seedInspections(
  service: AlertingService,
  stations: readonly Station[],
  seed: number,
  now: number,
  logger: Logger,
  signal?: AbortSignal,
): Promise<number> {
  const fresh = stations.filter((s) => service.attestations(s.id).length === 0);
  const records = demoInspections({ stations: fresh, seed, now });
  for (const a of records) {
    if (signal?.aborted) return 0;
    await service.attest(a);
  }
  if (records.length > 0) logger.info({ event: 'demo_inspections', stations: fresh.length, records: records.length }, 'wrote demo inspection records');
  return records.length;
}
