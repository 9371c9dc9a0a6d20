import type { Kysely, Migration } from 'kysely';

// One self-check per district and plan year: its state in the cycle, who submitted and reviewed it
// when, and the form as submitted (JSON), so the city reviews what the district signed.

export const selfChecks = (): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('self_checks')
      .addColumn('district', 'text', (c) => c.notNull())
      .addColumn('year', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('submitted_by', 'text')
      .addColumn('submitted_at', 'bigint')
      .addColumn('submitted_form', 'text')
      .addColumn('reviewed_by', 'text')
      .addColumn('reviewed_at', 'bigint')
      .addColumn('review_comment', 'text')
      .addPrimaryKeyConstraint('self_checks_pk', ['district', 'year'])
      .execute();
  },
});
