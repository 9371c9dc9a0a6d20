import test from 'ava';
import { backfillMessages, type BackfillMessage } from '../../device-sim/backfill.js';
import { DAY_MS, localDateOf, localMidnight } from '../../domain/schedule.js';
import type { Station } from '../../domain/station.js';
import type { StatusPayload } from '../../domain/telemetry.js';
import { loadRegistryFile } from '../../lib/registry-file.js';
import { rollupDay } from '../../rules/compliance.js';
import { heldRuns, MAX_HELD_MS, trackerFromSamples, stationSignals, type Sample } from '../../rules/serving.js';
import { at } from './timeline.js';

// The history `npm start` writes holds each run of 60 s heartbeats in one status point
// (platform/fill-history.ts). Compliance must come out exactly as from every heartbeat.

const registry = loadRegistryFile();
const STALE_MS = 90_000;
const TIMING = { stepMs: 15 * 60_000, heartbeatMs: 60_000, sampleMs: 3_600_000 };
// Flaky links and power, stations that open late or close for days: the runs break often.
const SHARES = { wifiDropsPerDay: 4, powerOutagesPerMonth: 10, lateOpener: 0.3, closesForDays: 0.2 };
const NOW = at('2026-12-04T10:30:00');
const FROM = localMidnight(NOW) - 5 * DAY_MS;
const TO = NOW - 4 * 3_600_000;
/** A 24-hour station, day-time ones, and the night shift one. */
const stations = [...new Set(registry.stations.map((s) => JSON.stringify(s.openingHours)))].map(
  (hours) => registry.stations.find((s) => JSON.stringify(s.openingHours) === hours)!,
);

const asSample = (m: BackfillMessage): Sample | null =>
  m.channel === 'status' ? { t: m.ts, on: (m.payload as StatusPayload).online, ...(m.heldMs === undefined ? {} : { heldMs: m.heldMs }) } : null;

function rollups(station: Station, messages: Array<{ item: BackfillMessage; heldMs?: number }>) {
  const sorted = [...messages].sort((a, b) => a.item.ts - b.item.ts);
  const online = sorted
    .filter((m) => m.item.channel === 'status')
    .map((m) => ({ ...asSample(m.item)!, ...(m.heldMs === undefined ? {} : { heldMs: m.heldMs }) }));
  const open = sorted.filter((m) => m.item.channel === 'service').map((m) => ({ t: m.item.ts, on: (m.item.payload as { open: boolean }).open }));
  const tracker = trackerFromSamples(open, online, STALE_MS);
  const days = [];
  for (let d = FROM; d < TO; d += DAY_MS) {
    const date = localDateOf(d);
    days.push(rollupDay(station.id, station.district, station.openingHours, stationSignals(tracker, [[FROM, TO]], d, Math.min(d + DAY_MS, TO)), date, TO));
  }
  return days;
}

test('held heartbeat runs give the same open, closed and offline time as every heartbeat, from about 1/40 of the status points', (t) => {
  t.true(stations.length >= 5);
  let every = 0;
  let held = 0;
  let offline = 0;
  for (const station of stations) {
    const spec = { station, seed: 7, from: FROM, to: TO, timing: TIMING, shares: SHARES, channels: ['status', 'service'] as const };
    const all = [...backfillMessages(spec)];
    const compact = [...heldRuns(backfillMessages({ ...spec, heldHeartbeats: true }), asSample, STALE_MS)];
    const expected = rollups(
      station,
      all.map((item) => ({ item })),
    );
    t.deepEqual(rollups(station, compact), expected, station.id);
    // The same runs made from the heartbeats one by one.
    t.deepEqual(rollups(station, [...heldRuns(all, asSample, STALE_MS)]), expected, `${station.id}, runs of single heartbeats`);
    // Nothing else changes: the service samples are the same messages.
    t.deepEqual(
      compact.filter((m) => m.item.channel === 'service').map((m) => m.item.ts),
      all.filter((m) => m.channel === 'service').map((m) => m.ts),
    );
    t.true(compact.every((m) => (m.heldMs ?? 0) <= MAX_HELD_MS));
    every += all.filter((m) => m.channel === 'status').length;
    held += compact.filter((m) => m.item.channel === 'status').length;
    offline += expected.reduce((a, r) => a + r.offlineMs, 0);
  }
  t.true(offline > 0, 'the runs were broken by outages');
  t.true(held * 40 < every, `${held} held points for ${every} heartbeats`);
});
