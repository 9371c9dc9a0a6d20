import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../lib/db/database.js';

// Inspection visits, the items checked on each, and their photos, in the database.

export interface InspectionItem {
  item: string;
  present: boolean;
  working: boolean;
  note?: string;
}

export interface PhotoMeta {
  id: string;
  contentType: string;
  size: number;
  sha256: string;
  uploadedBy: string;
  uploadedAt: number;
}

export interface Inspection {
  id: string;
  stationId: string;
  district: string;
  inspector: string;
  visitedAt: number;
  notes: string;
  createdAt: number;
  items: InspectionItem[];
  photos: PhotoMeta[];
}

export interface InspectionStore {
  /** Stores the visit and its items in one transaction. */
  create(input: Omit<Inspection, 'id' | 'photos'>): Promise<Inspection>;
  get(id: string): Promise<Inspection | undefined>;
  /** Newest visit first, without items and photos. */
  list(filter: { district?: string; stationId?: string; limit: number }): Promise<Array<Omit<Inspection, 'items' | 'photos'>>>;
  addPhoto(inspectionId: string, photo: { contentType: string; data: Buffer; uploadedBy: string; uploadedAt: number }): Promise<PhotoMeta>;
  photo(inspectionId: string, photoId: string): Promise<{ contentType: string; data: Buffer } | undefined>;
  /** Per station of the district, the newest verdict (present and working) on each of `items` from visits in [from, to). */
  newestChecks(district: string, items: readonly string[], from: number, to: number): Promise<Map<string, Record<string, boolean>>>;
}

export function inspectionStore(db: Db): InspectionStore {
  const head = (r: { id: string; station_id: string; district: string; inspector: string; visited_at: number; notes: string; created_at: number }) => ({
    id: r.id,
    stationId: r.station_id,
    district: r.district,
    inspector: r.inspector,
    visitedAt: r.visited_at,
    notes: r.notes,
    createdAt: r.created_at,
  });
  return {
    async create(input) {
      const id = randomUUID();
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('inspections')
          .values({
            id,
            station_id: input.stationId,
            district: input.district,
            inspector: input.inspector,
            visited_at: input.visitedAt,
            notes: input.notes,
            created_at: input.createdAt,
          })
          .execute();
        if (input.items.length > 0) {
          await trx
            .insertInto('inspection_items')
            .values(input.items.map((i) => ({ inspection_id: id, item: i.item, present: i.present ? 1 : 0, working: i.working ? 1 : 0, note: i.note ?? null })))
            .execute();
        }
      });
      return { ...input, id, photos: [] };
    },
    async get(id) {
      const row = await db.selectFrom('inspections').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const items = await db.selectFrom('inspection_items').selectAll().where('inspection_id', '=', id).orderBy('item').execute();
      const photos = await db
        .selectFrom('inspection_photos')
        .select(['id', 'content_type', 'size', 'sha256', 'uploaded_by', 'uploaded_at'])
        .where('inspection_id', '=', id)
        .orderBy('uploaded_at')
        .orderBy('id')
        .execute();
      return {
        ...head(row),
        items: items.map((i) => ({ item: i.item, present: i.present === 1, working: i.working === 1, ...(i.note === null ? {} : { note: i.note }) })),
        photos: photos.map((p) => ({
          id: p.id,
          contentType: p.content_type,
          size: p.size,
          sha256: p.sha256,
          uploadedBy: p.uploaded_by,
          uploadedAt: p.uploaded_at,
        })),
      };
    },
    async list({ district, stationId, limit }) {
      let q = db.selectFrom('inspections').selectAll().orderBy('visited_at', 'desc').orderBy('created_at', 'desc').limit(limit);
      if (district) q = q.where('district', '=', district);
      if (stationId) q = q.where('station_id', '=', stationId);
      return (await q.execute()).map(head);
    },
    async addPhoto(inspectionId, p) {
      const meta: PhotoMeta = {
        id: randomUUID(),
        contentType: p.contentType,
        size: p.data.length,
        sha256: createHash('sha256').update(p.data).digest('hex'),
        uploadedBy: p.uploadedBy,
        uploadedAt: p.uploadedAt,
      };
      await db
        .insertInto('inspection_photos')
        .values({
          id: meta.id,
          inspection_id: inspectionId,
          content_type: meta.contentType,
          size: meta.size,
          sha256: meta.sha256,
          data: p.data,
          uploaded_by: meta.uploadedBy,
          uploaded_at: meta.uploadedAt,
        })
        .execute();
      return meta;
    },
    async photo(inspectionId, photoId) {
      const row = await db
        .selectFrom('inspection_photos')
        .select(['content_type', 'data'])
        .where('id', '=', photoId)
        .where('inspection_id', '=', inspectionId)
        .executeTakeFirst();
      return row && { contentType: row.content_type, data: Buffer.from(row.data) };
    },
    async newestChecks(district, items, from, to) {
      const rows = await db
        .selectFrom('inspection_items')
        .innerJoin('inspections', 'inspections.id', 'inspection_items.inspection_id')
        .select(['inspections.station_id', 'inspection_items.item', 'inspection_items.present', 'inspection_items.working'])
        .where('inspections.district', '=', district)
        .where('inspection_items.item', 'in', items)
        .where('inspections.visited_at', '>=', from)
        .where('inspections.visited_at', '<', to)
        .orderBy('inspections.visited_at')
        .orderBy('inspections.created_at')
        .execute();
      // Oldest first: a later visit's verdict replaces an earlier one.
      const out = new Map<string, Record<string, boolean>>();
      for (const r of rows) out.set(r.station_id, { ...out.get(r.station_id), [r.item]: r.present === 1 && r.working === 1 });
      return out;
    },
  };
}
