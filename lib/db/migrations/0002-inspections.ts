import type { Kysely, Migration } from 'kysely';
import type { DbDialect } from '../schema.js';

// Inspection visits as records (issue 11): who, when, which station, the items checked, notes, and
// the photos taken — their bytes in the database too, so one backup (pg_dump, the SQLite file) holds everything.

export const inspections = (dialect: DbDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('inspections')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('district', 'text', (c) => c.notNull())
      .addColumn('inspector', 'text', (c) => c.notNull())
      .addColumn('visited_at', 'bigint', (c) => c.notNull())
      .addColumn('notes', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('inspections_station').on('inspections').columns(['station_id', 'visited_at']).execute();
    await db.schema.createIndex('inspections_district').on('inspections').columns(['district', 'visited_at']).execute();
    await db.schema
      .createTable('inspection_items')
      .addColumn('inspection_id', 'text', (c) => c.notNull().references('inspections.id'))
      .addColumn('item', 'text', (c) => c.notNull())
      .addColumn('present', 'integer', (c) => c.notNull())
      .addColumn('working', 'integer', (c) => c.notNull())
      .addColumn('note', 'text')
      .addPrimaryKeyConstraint('inspection_items_pk', ['inspection_id', 'item'])
      .execute();
    await db.schema
      .createTable('inspection_photos')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('inspection_id', 'text', (c) => c.notNull().references('inspections.id'))
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('data', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
      .addColumn('uploaded_by', 'text', (c) => c.notNull())
      .addColumn('uploaded_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('inspection_photos_inspection').on('inspection_photos').column('inspection_id').execute();
  },
});
