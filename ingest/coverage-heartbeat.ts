import { coveragePoint, type PointData } from '../domain/series.js';
import type { PointWriter } from '../lib/influx/client.js';
import type { TelemetryConsumer } from '../lib/telemetry-feed.js';
import { coverageClock, coverageMarks, type CoverageMark } from '../rules/coverage.js';

// The ingest's own heartbeat (platform_coverage): every tick while it is connected to the broker
// and subscribed, a point saying "receiving since the last one". Written through its own writer
// (with its own write-ahead log, so the claim survives a crash and an InfluxDB outage and lands with the data it vouches for)
// and kept out of the telemetry write counters. A period without points was not watched.

export interface CoverageHeartbeat {
  /** Writes the span up to now and stops; the caller then closes the writer. */
  stop(): void;
}

export function startCoverageHeartbeat(o: {
  consumer: TelemetryConsumer;
  writer: PointWriter;
  source: string;
  tickMs: number;
  now?: () => number;
}): CoverageHeartbeat {
  const now = o.now ?? Date.now;
  const clock = coverageClock();
  const write = (mark: CoverageMark | null): void => {
    if (mark) o.writer.write(coveragePoint(o.source, mark.end, mark.spanMs));
  };
  const onLink = (up: boolean, at: number): void => write(clock.link(up, at));
  o.consumer.on('link', onLink);
  const timer = setInterval(() => write(clock.tick(now())), o.tickMs);
  return {
    stop() {
      clearInterval(timer);
      write(clock.link(false, now()));
      o.consumer.off('link', onLink);
    },
  };
}

/**
 * Points declaring [from, to) watched, for history brought in complete by other means (a replay
 * through the pipeline that was fully received, an import): without them that time stays unwatched.
 */
export const declaredCoverage = (source: string, from: number, to: number): PointData[] =>
  coverageMarks(from, to).map((m) => coveragePoint(source, m.end, m.spanMs));
