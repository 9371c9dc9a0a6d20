import type { Selectable } from 'kysely';
import type { AcceptanceResult, SubsidyState } from '../domain/station-acceptance.js';
import type { Db } from '../lib/db/database.js';
import type { StationAcceptancesTable } from '../lib/db/schema.js';

// The yearly acceptance round per station in the database. Each step checks what it needs of the
// record (nominated, no result yet, accepted) in the same statement that writes it, so two people
// acting at once cannot both win; a step refused returns null.

export interface StationAcceptance {
  year: number;
  stationId: string;
  district: string;
  nominatedBy: string;
  nominatedAt: number;
  nominationNote: string;
  result?: { outcome: AcceptanceResult; rectifyBy?: string; note: string; by: string; at: number };
  plaque?: { name: string; on: string; by: string };
  subsidy?: { state: SubsidyState; yuan: number; by: string; at: number };
}

export interface StationAcceptanceStore {
  list(filter: { year: number; district?: string }): Promise<StationAcceptance[]>;
  get(year: number, stationId: string): Promise<StationAcceptance | undefined>;
  /** Puts a station forward, or updates the note of one not decided yet. */
  nominate(year: number, s: { stationId: string; district: string; by: string; at: number; note: string }): Promise<StationAcceptance | null>;
  /** Withdraws a nomination not decided yet. */
  withdraw(year: number, stationId: string): Promise<boolean>;
  decide(year: number, stationId: string, r: NonNullable<StationAcceptance['result']>): Promise<StationAcceptance | null>;
  plaque(year: number, stationId: string, p: NonNullable<StationAcceptance['plaque']>): Promise<StationAcceptance | null>;
  subsidy(year: number, stationId: string, s: NonNullable<StationAcceptance['subsidy']>): Promise<StationAcceptance | null>;
  /** Stations of the district plaqued on or before the end of `year`. */
  plaqued(district: string, year: number): Promise<Set<string>>;
}

function fromRow(r: Selectable<StationAcceptancesTable>): StationAcceptance {
  return {
    year: r.year,
    stationId: r.station_id,
    district: r.district,
    nominatedBy: r.nominated_by,
    nominatedAt: r.nominated_at,
    nominationNote: r.nomination_note,
    ...(r.result === null
      ? {}
      : {
          result: {
            outcome: r.result as AcceptanceResult,
            ...(r.rectify_by === null ? {} : { rectifyBy: r.rectify_by }),
            note: r.result_note ?? '',
            by: r.decided_by!,
            at: r.decided_at!,
          },
        }),
    ...(r.plaque_name === null ? {} : { plaque: { name: r.plaque_name, on: r.plaqued_on!, by: r.plaqued_by! } }),
    ...(r.subsidy === null ? {} : { subsidy: { state: r.subsidy as SubsidyState, yuan: r.subsidy_yuan!, by: r.subsidy_by!, at: r.subsidy_at! } }),
  };
}

export function stationAcceptanceStore(db: Db): StationAcceptanceStore {
  const get = async (year: number, stationId: string): Promise<StationAcceptance | undefined> => {
    const row = await db.selectFrom('station_acceptances').selectAll().where('year', '=', year).where('station_id', '=', stationId).executeTakeFirst();
    return row && fromRow(row);
  };
  const after = async (year: number, stationId: string, changed: bigint): Promise<StationAcceptance | null> =>
    changed > 0n ? ((await get(year, stationId)) ?? null) : null;
  return {
    get,
    async list({ year, district }) {
      let q = db.selectFrom('station_acceptances').selectAll().where('year', '=', year).orderBy('station_id');
      if (district) q = q.where('district', '=', district);
      return (await q.execute()).map(fromRow);
    },
    async nominate(year, s) {
      const r = await db
        .insertInto('station_acceptances')
        .values({ year, station_id: s.stationId, district: s.district, nominated_by: s.by, nominated_at: s.at, nomination_note: s.note })
        .onConflict((c) =>
          c
            .columns(['year', 'station_id'])
            .doUpdateSet({ nominated_by: s.by, nominated_at: s.at, nomination_note: s.note })
            .where('station_acceptances.result', 'is', null),
        )
        .executeTakeFirst();
      return after(year, s.stationId, r.numInsertedOrUpdatedRows ?? 0n);
    },
    async withdraw(year, stationId) {
      const r = await db
        .deleteFrom('station_acceptances')
        .where('year', '=', year)
        .where('station_id', '=', stationId)
        .where('result', 'is', null)
        .executeTakeFirst();
      return r.numDeletedRows > 0n;
    },
    async decide(year, stationId, r) {
      const u = await db
        .updateTable('station_acceptances')
        .set({ result: r.outcome, rectify_by: r.rectifyBy ?? null, result_note: r.note, decided_by: r.by, decided_at: r.at })
        .where('year', '=', year)
        .where('station_id', '=', stationId)
        .executeTakeFirst();
      return after(year, stationId, u.numUpdatedRows);
    },
    async plaque(year, stationId, p) {
      const u = await db
        .updateTable('station_acceptances')
        .set({ plaque_name: p.name, plaqued_on: p.on, plaqued_by: p.by })
        .where('year', '=', year)
        .where('station_id', '=', stationId)
        .where('result', '=', 'accepted')
        .executeTakeFirst();
      return after(year, stationId, u.numUpdatedRows);
    },
    async subsidy(year, stationId, s) {
      const u = await db
        .updateTable('station_acceptances')
        .set({ subsidy: s.state, subsidy_yuan: s.yuan, subsidy_by: s.by, subsidy_at: s.at })
        .where('year', '=', year)
        .where('station_id', '=', stationId)
        .where('result', '=', 'accepted')
        .executeTakeFirst();
      return after(year, stationId, u.numUpdatedRows);
    },
    async plaqued(district, year) {
      const rows = await db
        .selectFrom('station_acceptances')
        .select('station_id')
        .where('district', '=', district)
        .where('plaqued_on', 'is not', null)
        .where('plaqued_on', '<=', `${year}-12-31`)
        .execute();
      return new Set(rows.map((r) => r.station_id));
    },
  };
}
