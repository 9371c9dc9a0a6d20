import type { Kysely, Migration } from 'kysely';
import type { DbDialect } from '../schema.js';

// Declared closures and schedule changes a district asks for and city staff decide
// (domain/schedule-requests.ts): one row per request, kept whatever its outcome.

export const scheduleRequests = (dialect: DbDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('schedule_requests')
      .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('district', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('closure_from', 'text')
      .addColumn('closure_to', 'text')
      .addColumn('closure_reason', 'text')
      .addColumn('effective_from', 'text')
      .addColumn('hours', 'text')
      .addColumn('note', 'text', (c) => c.notNull())
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'bigint', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'bigint')
      .addColumn('decision_note', 'text')
      .execute();
    await db.schema.createIndex('schedule_requests_station').on('schedule_requests').columns(['station_id', 'state']).execute();
    await db.schema.createIndex('schedule_requests_district').on('schedule_requests').columns(['district', 'state']).execute();
  },
});
