import { until } from '../helpers/poll.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Registry as MetricsRegistry } from 'prom-client';
import { telemetryTopic } from '../../domain/topics.js';
import type { TestBroker } from '../helpers/broker.js';

// Shared by the ingest and end-to-end tests: valid payloads, station clients and metric reads.

export const occupancyPayload = (station: string, ts: number, people = 3, entries = 1) => ({ station, ts, people, entries });
export const statusPayload = (station: string, ts: number) => ({ station, ts, online: true, reason: 'heartbeat' as const, uptimeS: 60, wifiRssiDbm: -55 });
export const fridgePayload = (station: string, ts: number, tempC = 4.5) => ({
  station,
  ts,
  appliance: 'fridge' as const,
  on: true,
  powerW: 85.5,
  faultCode: null,
  tempC,
});

export const occupancyTopic = (stationId: string): string => telemetryTopic({ stationId, channel: 'occupancy' });
export const statusTopic = (stationId: string): string => telemetryTopic({ stationId, channel: 'status' });
export const fridgeTopic = (stationId: string): string => telemetryTopic({ stationId, channel: 'appliance', appliance: 'fridge' });

/** A station's own MQTT 3.1.1 connection (client id = station id, as the broker requires). */
export function stationClient(broker: TestBroker, stationId: string, extra: Parameters<typeof connectAsync>[1] = {}): Promise<MqttClient> {
  return connectAsync(broker.url, {
    username: stationId,
    password: broker.credentials[stationId],
    clientId: stationId,
    protocolVersion: 4,
    reconnectPeriod: 0,
    ...extra,
  });
}

/** Value of a counter (with these labels) in a prom-client registry; 0 when absent. */
export async function metricValue(metrics: MetricsRegistry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return match?.value ?? 0;
}

/**
 * A metric once it is at least `atLeast` and has not moved for `quietMs`; returns it. Counters such as
 * ingest_points_written_total count when a write returns, a little after the points are visible.
 */
export async function settledMetric(metrics: MetricsRegistry, name: string, o: { quietMs: number; atLeast?: number; timeoutMs?: number }): Promise<number> {
  let last = await metricValue(metrics, name);
  let changedAt = Date.now();
  await until(async () => {
    const value = await metricValue(metrics, name);
    if (value !== last) [last, changedAt] = [value, Date.now()];
    return value >= (o.atLeast ?? 0) && Date.now() - changedAt >= o.quietMs;
  }, o.timeoutMs ?? 30_000);
  return last;
}

/** A temp dir removed when the test ends. */
export async function tempDir(t: { teardown(fn: () => Promise<void>): void }, prefix = 'qdyz-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
