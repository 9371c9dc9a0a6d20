import { z } from 'zod';
import { DISTRICT_CODES } from '../../domain/districts.js';
import { EQUIPMENT_ITEMS, type EquipmentItem } from '../../domain/equipment.js';
import { MAX_PHOTO_BYTES, PHOTO_TYPES, SITE_CHECKS } from '../../domain/inspection.js';
import { StationIdSchema } from '../../domain/station.js';
import type { Api } from '../api-routes.js';
import { assertCanSee, scopeDistrict } from '../auth/scope.js';
import { ACTORS, EVERYONE, type User } from '../auth/users.js';
import { visibleStation, type ApiContext } from '../context.js';
import { HttpError, notFound } from '../http-errors.js';
import type { Inspection } from '../inspection-store.js';

// Inspection visits as records: who, when, which station, the items checked (equipment the station
// lists as inspected, and the site checks only a person can see), notes and photos. Each equipment
// item checked is also an attestation, so facility completeness counts the visit.

const YEAR_MS = 366 * 86_400_000;

export const InspectionBodySchema = z
  .strictObject({
    stationId: StationIdSchema,
    visitedAt: z.number().int().optional().describe('Epoch ms of the visit; default: now. Not in the future, at most a year back'),
    notes: z.string().trim().max(2000).default(''),
    items: z
      .array(
        z.strictObject({
          item: z.enum([...EQUIPMENT_ITEMS, ...SITE_CHECKS]),
          present: z.boolean(),
          working: z.boolean(),
          note: z.string().trim().max(500).optional(),
        }),
      )
      .min(1, 'check at least one item')
      .max(EQUIPMENT_ITEMS.length + SITE_CHECKS.length)
      .refine((items) => new Set(items.map((i) => i.item)).size === items.length, 'each item once'),
  })
  .meta({ id: 'InspectionBody' });

const PhotoMetaSchema = z.object({
  id: z.string(),
  contentType: z.string(),
  size: z.number(),
  sha256: z.string(),
  uploadedBy: z.string(),
  uploadedAt: z.number(),
});
const InspectionHeadSchema = z.object({
  id: z.string(),
  stationId: z.string(),
  district: z.string(),
  inspector: z.string(),
  visitedAt: z.number(),
  notes: z.string(),
  createdAt: z.number(),
});
export const InspectionSchema = InspectionHeadSchema.extend({
  items: z.array(z.object({ item: z.string(), present: z.boolean(), working: z.boolean(), note: z.string().optional() })),
  photos: z.array(PhotoMetaSchema),
}).meta({ id: 'Inspection' });

const IdParams = z.strictObject({ id: z.uuid() });
const PhotoParams = z.strictObject({ id: z.uuid(), photoId: z.uuid() });

export function inspectionRoutes(api: Api, ctx: ApiContext): void {
  /** The inspection, if it exists (404) and the user may see its district (403). */
  const visible = async (user: User, id: string): Promise<Inspection> => {
    const inspection = await ctx.inspections.get(id);
    if (!inspection) throw notFound(`inspection ${id}`);
    assertCanSee(user, inspection.district as (typeof DISTRICT_CODES)[number], `inspection ${id}`);
    return inspection;
  };

  api.route({
    method: 'post',
    path: '/api/inspections',
    tag: 'inspections',
    summary: 'Record an inspection visit: items checked and notes (photos are added after)',
    roles: ACTORS,
    body: InspectionBodySchema,
    response: InspectionSchema,
    async handler({ user, body }) {
      const station = visibleStation(ctx.registry, user, body.stationId);
      const now = ctx.now();
      const visitedAt = body.visitedAt ?? now;
      if (visitedAt > now || visitedAt < now - YEAR_MS)
        throw new HttpError(400, 'invalid_request', 'the visit must be in the past year', [
          { path: 'body.visitedAt', message: 'not in the future, at most a year back' },
        ]);
      const equipment = body.items.filter((i): i is typeof i & { item: EquipmentItem } => (EQUIPMENT_ITEMS as readonly string[]).includes(i.item));
      for (const i of equipment) {
        const observed = station.equipment[i.item];
        if (observed !== 'inspection') {
          const why = observed === undefined ? 'not in the station equipment' : 'reported by telemetry';
          throw new HttpError(400, 'invalid_request', `${i.item} of ${station.id}: ${why}`, [
            { path: `body.items.${body.items.indexOf(i)}.item`, message: why },
          ]);
        }
      }
      const inspection = await ctx.inspections.create({
        stationId: station.id,
        district: station.district,
        inspector: user.username,
        visitedAt,
        notes: body.notes,
        createdAt: now,
        items: body.items,
      });
      for (const i of equipment)
        await ctx.alerting.attest({
          stationId: station.id,
          item: i.item,
          present: i.present,
          working: i.working,
          by: user.username,
          at: visitedAt,
          ...(i.note ? { note: i.note } : {}),
        });
      await ctx.audit.append({
        at: now,
        user: user.username,
        role: user.role,
        action: 'inspect',
        district: station.district,
        target: station.id,
        detail: { id: inspection.id, visitedAt, items: body.items.length },
      });
      return inspection;
    },
  });

  api.route({
    method: 'get',
    path: '/api/inspections',
    tag: 'inspections',
    summary: 'Inspection visits, newest first (a maintainer sees their district)',
    roles: EVERYONE,
    query: z.strictObject({
      district: z.enum(DISTRICT_CODES).optional(),
      station: StationIdSchema.optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    response: z.array(InspectionHeadSchema),
    async handler({ user, query }) {
      if (query.station) visibleStation(ctx.registry, user, query.station);
      return ctx.inspections.list({ district: scopeDistrict(user, query.district), stationId: query.station, limit: query.limit });
    },
  });

  api.route({
    method: 'get',
    path: '/api/inspections/:id',
    tag: 'inspections',
    summary: 'One inspection visit with its items and photo list',
    roles: EVERYONE,
    params: IdParams,
    response: InspectionSchema,
    handler: ({ user, params }) => visible(user, params.id),
  });

  api.route({
    method: 'post',
    path: '/api/inspections/:id/photos',
    tag: 'inspections',
    summary: `Add a photo to a visit: the request body is the image (${PHOTO_TYPES.join(', ')}, at most ${MAX_PHOTO_BYTES / 1024 / 1024} MB)`,
    roles: ACTORS,
    params: IdParams,
    response: PhotoMetaSchema,
    async handler({ req, user, params }) {
      const inspection = await visible(user, params.id);
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (!(PHOTO_TYPES as readonly string[]).includes(type) || !Buffer.isBuffer(req.body) || req.body.length === 0) {
        throw new HttpError(400, 'invalid_request', `send the photo as the body with Content-Type ${PHOTO_TYPES.join(' or ')}`, [
          { path: 'body', message: 'an image' },
        ]);
      }
      const meta = await ctx.inspections.addPhoto(inspection.id, { contentType: type, data: req.body, uploadedBy: user.username, uploadedAt: ctx.now() });
      await ctx.audit.append({
        at: meta.uploadedAt,
        user: user.username,
        role: user.role,
        action: 'inspection_photo',
        district: inspection.district as (typeof DISTRICT_CODES)[number],
        target: inspection.stationId,
        detail: { inspection: inspection.id, photo: meta.id, size: meta.size, sha256: meta.sha256 },
      });
      return meta;
    },
  });

  api.route({
    method: 'get',
    path: '/api/inspections/:id/photos/:photoId',
    tag: 'inspections',
    summary: 'A photo of a visit, as uploaded',
    roles: EVERYONE,
    params: PhotoParams,
    produces: [...PHOTO_TYPES],
    async handler({ user, params, res }) {
      await visible(user, params.id);
      const photo = await ctx.inspections.photo(params.id, params.photoId);
      if (!photo) throw notFound(`photo ${params.photoId}`);
      res.type(photo.contentType).set('Cache-Control', 'private, max-age=86400').send(photo.data);
      return undefined;
    },
  });
}
