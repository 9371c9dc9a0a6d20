import type { Db } from '../lib/db/database.js';
import type { ManualScore } from '../rules/acceptance-form.js';

// Manual scores of the acceptance form (附件2), one row per district, year and item; a new score
// replaces the old one (who changed what and when stays in the audit log).

export interface AcceptanceStore {
  forForm(district: string, year: number): Promise<Map<number, ManualScore>>;
  set(district: string, year: number, no: number, score: ManualScore): Promise<void>;
}

export function acceptanceStore(db: Db): AcceptanceStore {
  return {
    async forForm(district, year) {
      const rows = await db.selectFrom('acceptance_scores').selectAll().where('district', '=', district).where('year', '=', year).execute();
      return new Map(rows.map((r) => [r.item_no, { score: r.score, note: r.note, by: r.by, at: r.at }]));
    },
    async set(district, year, no, s) {
      await db
        .insertInto('acceptance_scores')
        .values({ district, year, item_no: no, score: s.score, note: s.note, by: s.by, at: s.at })
        .onConflict((c) => c.columns(['district', 'year', 'item_no']).doUpdateSet({ score: s.score, note: s.note, by: s.by, at: s.at }))
        .execute();
    },
  };
}
