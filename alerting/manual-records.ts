import type { Attestation, Silence } from '../domain/alerts.js';
import type { DistrictCode } from '../domain/districts.js';
import type { EquipmentItem } from '../domain/equipment.js';
import type { Selectable } from 'kysely';
import type { Db } from '../lib/db/database.js';
import { approvedScheduleRequests, type ScheduleRequest } from '../lib/db/schedule-request-rows.js';
import type { AttestationsTable } from '../lib/db/schema.js';

// What people record for the alerting service — silences, inspection attestations, approved
// closures and schedule changes, and when districts submitted their self-checks — on the
// relational database (lib/db): they are shared by every node, written one at a time, and must
// outlive InfluxDB's retention. Telemetry, alerts and rollups stay in InfluxDB (store.ts).

export interface ManualRecords {
  saveSilence(silence: Silence): Promise<void>;
  /** Silences still running or to come at `at`. */
  loadSilences(at: number): Promise<Silence[]>;
  /** Returns the row's id. */
  saveAttestation(attestation: Attestation, district: DistrictCode): Promise<number>;
  /** Attestations made at or after `since`, oldest first. */
  loadAttestations(since: number): Promise<Attestation[]>;
  /** Attestations stored after row `afterId` and made at or after `since`, with their ids, in id order: what other nodes wrote since the last read. */
  attestationsAfter(afterId: number, since: number): Promise<Array<{ id: number; attestation: Attestation }>>;
  /** Declared closures and schedule changes city staff approved (they shape the stations' schedules). */
  approvedScheduleRequests(): Promise<ScheduleRequest[]>;
  /** When each district submitted its self-check of `year` (districts that never did are absent). */
  selfCheckSubmissions(year: number): Promise<Map<string, number>>;
}

const attestationOf = (r: Selectable<AttestationsTable>): Attestation => ({
  stationId: r.station_id,
  item: r.item as EquipmentItem,
  present: r.present === 1,
  working: r.working === 1,
  by: r.by,
  at: r.at,
  ...(r.note === null ? {} : { note: r.note }),
});

export function manualRecords(db: Db): ManualRecords {
  return {
    async saveSilence(s) {
      await db
        .insertInto('silences')
        .values({
          id: s.id,
          station_id: s.stationId,
          rule_ids: JSON.stringify(s.ruleIds),
          from_ms: s.from,
          until_ms: s.until,
          reason: s.reason,
          created_by: s.createdBy,
        })
        .execute();
    },
    async loadSilences(at) {
      const rows = await db.selectFrom('silences').selectAll().where('until_ms', '>', at).orderBy('from_ms').orderBy('id').execute();
      return rows.map((r) => ({
        id: r.id,
        stationId: r.station_id,
        ruleIds: JSON.parse(r.rule_ids) as string[],
        from: r.from_ms,
        until: r.until_ms,
        reason: r.reason,
        createdBy: r.created_by,
      }));
    },
    async saveAttestation(a, district) {
      const row = await db
        .insertInto('attestations')
        .values({
          station_id: a.stationId,
          district,
          item: a.item,
          present: a.present ? 1 : 0,
          working: a.working ? 1 : 0,
          by: a.by,
          note: a.note ?? null,
          at: a.at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(row.id);
    },
    async loadAttestations(since) {
      const rows = await db.selectFrom('attestations').selectAll().where('at', '>=', since).orderBy('at').orderBy('id').execute();
      return rows.map(attestationOf);
    },
    async attestationsAfter(afterId, since) {
      const rows = await db.selectFrom('attestations').selectAll().where('id', '>', afterId).where('at', '>=', since).orderBy('id').execute();
      return rows.map((r) => ({ id: Number(r.id), attestation: attestationOf(r) }));
    },
    approvedScheduleRequests: () => approvedScheduleRequests(db),
    async selfCheckSubmissions(year) {
      const rows = await db
        .selectFrom('self_checks')
        .select(['district', 'submitted_at'])
        .where('year', '=', year)
        .where('submitted_at', 'is not', null)
        .execute();
      return new Map(rows.map((r) => [r.district, r.submitted_at!]));
    },
  };
}
