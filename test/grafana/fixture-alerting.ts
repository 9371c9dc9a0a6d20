import type { Alert, AlertState } from '../../domain/alerts.js';
import { MANUAL_ITEMS } from '../../domain/equipment.js';
import { createRng } from '../../domain/random.js';
import { DAY_MS, localDateOf } from '../../domain/schedule.js';
import type { Station } from '../../domain/station.js';
import type { StoreRecord } from '../../alerting/store.js';
import { RULES } from '../../rules/catalog.js';

// What the alerting service stores, for the given stations: alert transitions (some still firing,
// some acknowledged, some resolved), daily compliance rollups for the last days, and inspection
// attestations. Written through alerting/influx-store.ts's recordToPoint, so the boards are
// tested against exactly the points the alerting service writes.

export function fixtureAlertRecords(stations: readonly Station[], now: number, days = 10, seed = 6): StoreRecord[] {
  const records: StoreRecord[] = [];
  const rng = createRng(`${seed}:alerting`);
  stations.forEach((station, i) => {
    for (let d = 0; d < days; d++) {
      const scheduledMs = 12 * 3_600_000;
      const openMs = Math.round(scheduledMs * rng.float(0.6, 1));
      const rollup = {
        stationId: station.id,
        district: station.district,
        date: localDateOf(now - d * DAY_MS),
        scheduledMs,
        openMs,
        closedMs: scheduledMs - openMs,
        offlineMs: 0,
        uncoveredMs: 0,
        declaredClosedMs: 0,
      };
      records.push({ kind: 'rollup', rollup });
    }
    for (const item of MANUAL_ITEMS) {
      records.push({
        kind: 'attestation',
        district: station.district,
        attestation: { stationId: station.id, item, present: true, working: rng.chance(0.9), by: 'inspector', at: now - 5 * DAY_MS },
      });
    }
    const rule = RULES[i % RULES.length]!;
    const fired = now - 3 * 3_600_000;
    const alert: Alert = {
      key: `${station.id}:${rule.id}`,
      ruleId: rule.id,
      stationId: station.id,
      district: station.district,
      severity: rule.severity,
      state: 'firing',
      summaryZh: rule.descriptionZh,
      summaryEn: rule.descriptionEn,
      firstSeen: fired,
      lastSeen: fired,
      escalated: false,
    };
    const transition = (from: AlertState | null, to: AlertState, at: number, by?: string): StoreRecord => ({
      kind: 'transition',
      stored: { transition: { alert: { ...alert, state: to, lastSeen: at }, from, to, at, by }, firedAt: to === 'resolved' ? null : fired },
    });
    records.push(transition(null, 'firing', fired));
    // Every station's alert fires; a third are then acknowledged, a third resolved.
    if (i % 3 === 1) records.push(transition('firing', 'acknowledged', now - 3_600_000, 'maintainer'));
    if (i % 3 === 2) records.push(transition('firing', 'resolved', now - 3_600_000, 'system'));
  });
  return records;
}
