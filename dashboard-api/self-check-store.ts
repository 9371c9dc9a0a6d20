import type { Selectable } from 'kysely';
import { SELF_CHECK_STEPS, type SelfCheckState, type SelfCheckStep } from '../domain/self-check.js';
import type { Db } from '../lib/db/database.js';
import type { SelfChecksTable } from '../lib/db/schema.js';

// Self-checks per district and year in the database. A step applies only from the states it
// allows, checked in the same statement that writes it, so two people acting at once cannot both win.

export interface SelfCheck {
  district: string;
  year: number;
  state: SelfCheckState;
  submittedBy?: string;
  submittedAt?: number;
  /** The acceptance form as submitted. */
  submittedForm?: unknown;
  reviewedBy?: string;
  reviewedAt?: number;
  reviewComment?: string;
}

export interface SelfCheckStore {
  get(district: string, year: number): Promise<SelfCheck>;
  list(year: number): Promise<SelfCheck[]>;
  /** The self-check after the step, or null when its state does not allow the step (any more). */
  step(district: string, year: number, step: SelfCheckStep, o: { by: string; at: number; comment?: string; form?: unknown }): Promise<SelfCheck | null>;
}

const draft = (district: string, year: number): SelfCheck => ({ district, year, state: 'draft' });

function fromRow(r: Selectable<SelfChecksTable>): SelfCheck {
  return {
    district: r.district,
    year: r.year,
    state: r.state as SelfCheckState,
    ...(r.submitted_by === null ? {} : { submittedBy: r.submitted_by, submittedAt: r.submitted_at!, submittedForm: JSON.parse(r.submitted_form!) as unknown }),
    ...(r.reviewed_by === null
      ? {}
      : { reviewedBy: r.reviewed_by, reviewedAt: r.reviewed_at!, ...(r.review_comment === null ? {} : { reviewComment: r.review_comment }) }),
  };
}

export function selfCheckStore(db: Db): SelfCheckStore {
  const get = async (district: string, year: number): Promise<SelfCheck> => {
    const row = await db.selectFrom('self_checks').selectAll().where('district', '=', district).where('year', '=', year).executeTakeFirst();
    return row ? fromRow(row) : draft(district, year);
  };
  return {
    get,
    async list(year) {
      return (await db.selectFrom('self_checks').selectAll().where('year', '=', year).orderBy('district').execute()).map(fromRow);
    },
    async step(district, year, step, o) {
      const rule = SELF_CHECK_STEPS[step];
      const submitted = {
        state: rule.to,
        submitted_by: o.by,
        submitted_at: o.at,
        submitted_form: JSON.stringify(o.form ?? null),
        reviewed_by: null,
        reviewed_at: null,
        review_comment: null,
      };
      const changes = step === 'submit' ? submitted : { state: rule.to, reviewed_by: o.by, reviewed_at: o.at, review_comment: o.comment ?? null };
      const from = rule.from as readonly string[];
      let done = 0n;
      if (step === 'submit') {
        // No row yet is a draft: the first submit creates it.
        const inserted = await db
          .insertInto('self_checks')
          .values({ district, year, ...submitted })
          .onConflict((c) => c.columns(['district', 'year']).doNothing())
          .executeTakeFirst();
        done = inserted.numInsertedOrUpdatedRows ?? 0n;
      }
      if (done === 0n) {
        const updated = await db
          .updateTable('self_checks')
          .set(changes)
          .where('district', '=', district)
          .where('year', '=', year)
          .where('state', 'in', from)
          .executeTakeFirst();
        done = updated.numUpdatedRows;
      }
      return done > 0n ? get(district, year) : null;
    },
  };
}
