import type { Kysely, Migration } from 'kysely';

// The current state of every alert (open, or resolved within the retention) shared by the dashboard
// nodes: the alerting leader writes it, followers show it, a new leader starts from it. InfluxDB keeps
// the history of transitions. `alerting_fence` holds the highest fencing token that wrote: a writer
// with a lower one lost its lease and is refused.

export const alertState = (): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('alerts')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('district', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('resolved_at', 'bigint')
      /** The alert's newest StoredTransition (alerting/store.ts), JSON. */
      .addColumn('record', 'text', (c) => c.notNull())
      .addColumn('fence', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('alerts_resolved_at').on('alerts').column('resolved_at').execute();
    await db.schema
      .createTable('alerting_fence')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('token', 'bigint', (c) => c.notNull())
      .execute();
    await db.insertInto('alerting_fence').values({ name: 'alerting', token: 0 }).execute();
  },
});
