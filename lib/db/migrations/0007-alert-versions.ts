import type { Kysely, Migration } from 'kysely';

// Each write of alert state numbers its rows with the next version (one higher than any stored), so a
// follower re-reads only the rows written since its last read instead of every open alert each time.
// Rows written before this migration keep version 0: a follower's first read takes every row anyway.

export const alertVersions = (): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('alerts')
      .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('alerts_version').on('alerts').column('version').execute();
  },
});
