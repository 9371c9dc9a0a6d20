import { localMidnight } from '../domain/schedule.js';
import type { Station } from '../domain/station.js';
import { backfill } from '../device-sim/backfill.js';
import { declaredCoverage } from '../ingest/coverage-heartbeat.js';
import type { Ingest } from '../ingest/ingest.js';
import type { Influx } from '../lib/influx/client.js';
import type { Logger } from '../lib/logger.js';
import { newestSample } from './newest-sample.js';

/** Gaps shorter than this are left to the live fleet. */
const MIN_GAP_MS = 10 * 60_000;
/**
 * Heartbeats as often as the live fleet sends them (the offline rule judges history with the live
 * heartbeat interval, so sparser ones would read as outages); other samples hourly, as in a backfill.
 */
const FILL_TIMING = { stepMs: 60_000, heartbeatMs: 60_000 };
const SETTLE_TIMEOUT_MS = 60_000;

/**
 * A fresh `npm start` would judge today's compliance over hours nobody was watching. Before the
 * live fleet starts, the simulated stations replay their history from local midnight — or from the
 * newest stored sample, after a restart; at most `maxHours` — through the real broker and ingest. Resolves once the
 * ingest has received and written every replayed message, so alerting can read the whole day back.
 */
export async function fillToday(o: {
  influx: Influx;
  ingest: Ingest;
  stations: readonly Station[];
  brokerUrl: string;
  credentials: Readonly<Record<string, string>>;
  seed: number;
  logger: Logger;
  now: number;
  /** The longest stretch replayed, ending now; bounds the start-up time. */
  maxHours: number;
  /** Aborted (Ctrl-C during start-up): the replay stops early, what was sent is still flushed. */
  signal?: AbortSignal;
}): Promise<{ from: number; messages: number } | null> {
  const newest = await newestSample(o.influx);
  const from = Math.max(localMidnight(o.now), newest + 1, o.now - o.maxHours * 3600_000);
  if (o.now - from < MIN_GAP_MS) return null;

  let received = 0;
  const count = (): void => {
    received++;
  };
  o.ingest.consumer.on('telemetry', count);
  o.ingest.consumer.on('rejected', count);
  try {
    o.logger.info({ event: 'fill_today', from: new Date(from).toISOString(), stations: o.stations.length }, 'replaying today so far for the simulated fleet');
    const stats = await backfill({
      stations: o.stations,
      brokerUrl: o.brokerUrl,
      credentials: o.credentials,
      seed: o.seed,
      from,
      to: o.now,
      timing: FILL_TIMING,
      logger: o.logger,
      signal: o.signal,
    });
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    while (received < stats.acknowledged && Date.now() < deadline && !o.signal?.aborted) await new Promise((r) => setTimeout(r, 100));
    const complete = received >= stats.acknowledged && !o.signal?.aborted;
    if (!complete && !o.signal?.aborted)
      o.logger.warn({ event: 'fill_today_unsettled', acknowledged: stats.acknowledged, received }, 'not every replayed message reached the ingest in time');
    // The replayed stretch is as complete as live telemetry: say so, or it would count as unwatched.
    if (complete) o.ingest.writer.write(declaredCoverage('fill-today', from, o.now));
    await o.ingest.writer.flush();
    return { from, messages: stats.acknowledged };
  } finally {
    o.ingest.consumer.off('telemetry', count);
    o.ingest.consumer.off('rejected', count);
  }
}
