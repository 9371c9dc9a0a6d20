import type { Kysely, Migration } from 'kysely';

// The yearly acceptance round per station: the district's nomination, the city's September result
// (accepted / rectify by a date), the plaque and the subsidy. One row per year and station.

export const stationAcceptances = (): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('station_acceptances')
      .addColumn('year', 'integer', (c) => c.notNull())
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('district', 'text', (c) => c.notNull())
      .addColumn('nominated_by', 'text', (c) => c.notNull())
      .addColumn('nominated_at', 'bigint', (c) => c.notNull())
      .addColumn('nomination_note', 'text', (c) => c.notNull())
      .addColumn('result', 'text')
      .addColumn('rectify_by', 'text')
      .addColumn('result_note', 'text')
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'bigint')
      .addColumn('plaque_name', 'text')
      .addColumn('plaqued_on', 'text')
      .addColumn('plaqued_by', 'text')
      .addColumn('subsidy', 'text')
      .addColumn('subsidy_yuan', 'integer')
      .addColumn('subsidy_by', 'text')
      .addColumn('subsidy_at', 'bigint')
      .addPrimaryKeyConstraint('station_acceptances_pk', ['year', 'station_id'])
      .execute();
    await db.schema.createIndex('station_acceptances_district').on('station_acceptances').columns(['district', 'year']).execute();
  },
});
