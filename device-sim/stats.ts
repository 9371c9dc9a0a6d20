import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';

// Counters and a publish→ack latency histogram (HDR, from node:perf_hooks) for a fleet run.

export interface FleetStats {
  stations: number;
  connected: number;
  sent: number;
  acknowledged: number;
  failed: number;
  /** Failed publishes per station, for the stations that had any (which stations lost messages). */
  failedBy: Record<string, number>;
  reconnects: number;
  refused: number;
  hostile: number;
  /** Acknowledged messages per second since the start. */
  rate: number;
  elapsedS: number;
  /** Simulated time reached (epoch ms). */
  simulatedTime: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
}

export class StatsRecorder {
  sent = 0;
  acknowledged = 0;
  failed = 0;
  reconnects = 0;
  refused = 0;
  hostile = 0;
  private readonly failedBy = new Map<string, number>();
  private readonly histogram: RecordableHistogram = createHistogram();
  private readonly started = performance.now();

  /** Call when a publish is handed to the client; call the returned function on its ack. */
  published(stationId: string): (error?: Error) => void {
    this.sent++;
    const t0 = performance.now();
    return (error) => {
      if (error) {
        this.failed++;
        this.failedBy.set(stationId, (this.failedBy.get(stationId) ?? 0) + 1);
        return;
      }
      this.acknowledged++;
      // Microseconds: the histogram records integers >= 1.
      this.histogram.record(Math.max(1, Math.round((performance.now() - t0) * 1000)));
    };
  }

  /** At the end of a run: whatever was never acknowledged (lost with a closed connection) counts as failed. */
  settleAsFailed(): void {
    this.failed = Math.max(this.failed, this.sent - this.acknowledged);
  }

  snapshot(extra: { stations: number; connected: number; simulatedTime: number }): FleetStats {
    const elapsedS = (performance.now() - this.started) / 1000;
    const pct = (p: number): number => (this.histogram.count === 0 ? 0 : Math.round(this.histogram.percentile(p) / 10) / 100);
    return {
      ...extra,
      sent: this.sent,
      acknowledged: this.acknowledged,
      failed: this.failed,
      failedBy: Object.fromEntries(this.failedBy),
      reconnects: this.reconnects,
      refused: this.refused,
      hostile: this.hostile,
      rate: Math.round((this.acknowledged / Math.max(elapsedS, 0.001)) * 10) / 10,
      elapsedS: Math.round(elapsedS * 10) / 10,
      latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99), max: this.histogram.count === 0 ? 0 : Math.round(this.histogram.max / 10) / 100 },
    };
  }
}
