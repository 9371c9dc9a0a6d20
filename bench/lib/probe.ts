import { connectAsync } from 'mqtt';
import { SERIES, TAGS } from '../../domain/series.js';
import { telemetryTopic } from '../../domain/topics.js';
import type { Influx } from '../../lib/influx/client.js';

// publish→persisted latency: one extra station publishes a probe message (ts = publish time) every
// `intervalMs`, interleaved with the load, and InfluxDB is polled every 50 ms for them.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export interface ProbeResult {
  probes: number;
  unresolved: number;
  p50: number;
  p99: number;
  max: number;
  /** Every resolved latency, ms (to pool several probes). */
  latencies: number[];
}

export async function startProbe(o: { brokerUrl: string; station: string; password: string | undefined; influx: Influx; intervalMs?: number }) {
  const { station, influx } = o;
  const client = await connectAsync(o.brokerUrl, { username: station, password: o.password, clientId: station, protocolVersion: 4 });
  const topic = telemetryTopic({ stationId: station, channel: 'occupancy' });
  const pending = new Set<number>();
  const latencies: number[] = [];
  let seen = Date.now();
  // Wall time a probe last turned up: the poll ends 20 s after that once publishing stopped, however late the probes run.
  let progress = Date.now();
  let running = true;
  const publisher = setInterval(() => {
    const ts = Date.now();
    pending.add(ts);
    void client.publishAsync(topic, JSON.stringify({ station, ts, people: 1, entries: 0 }), { qos: 1 });
  }, o.intervalMs ?? 100);
  const poll = (async () => {
    while (running || pending.size > 0) {
      // From the oldest probe still pending (a Set keeps insertion order): batches can land out of order.
      const oldest = pending.values().next().value;
      const rows = await influx.query(`SELECT people FROM ${SERIES.occupancy.measurement} WHERE "${TAGS.station}" = $probe AND time > $after`, {
        probe: station,
        after: new Date(oldest === undefined ? seen : oldest - 1).toISOString(),
      });
      const now = Date.now();
      for (const r of rows) {
        const ts = Number(r.time);
        if (pending.delete(ts)) {
          latencies.push(now - ts);
          progress = now;
        }
        seen = Math.max(seen, ts);
      }
      if (!running && now - progress > 20_000) break;
      await sleep(50);
    }
  })();
  return {
    async stop(): Promise<ProbeResult> {
      clearInterval(publisher);
      running = false;
      await poll;
      await client.endAsync(true);
      const sorted = latencies.sort((a, b) => a - b);
      return {
        probes: sorted.length,
        unresolved: pending.size,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted.at(-1) ?? 0,
        latencies: sorted,
      };
    },
  };
}
