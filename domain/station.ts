import { z } from 'zod';
import { DISTRICT_CODES, isInsideDistrict } from './districts.js';
import { EQUIPMENT_ITEMS, OBSERVATION, TELEMETRY_CAPABLE, type EquipmentItem } from './equipment.js';
import { OpeningHoursSchema } from './schedule.js';

/** Station ids are topic levels, MQTT usernames and InfluxDB tag values: a strict charset keeps all three safe. */
export const STATION_ID_PATTERN = /^[A-Z]{2,3}-\d{4}$/;
export const StationIdSchema = z.string().regex(STATION_ID_PATTERN, 'expected a station id like SN-0001');

export const HOST_TYPES = [
  'union_built', // 工会自建
  'company_co_built', // 工企联建
  'shop', // 沿街商户
  'bank_branch', // 金融网点
  'pharmacy', // 药店
  'courier_hub', // 快递中转站
  'office_building', // 楼宇
  'street', // 街道
  'town', // 乡镇
  'community', // 社区
  'workers_service_center', // 职工服务中心
] as const;
export type HostType = (typeof HOST_TYPES)[number];

const phone = z.string().regex(/^(1[3-9]\d{9}|0532-\d{8})$/, 'expected a mobile (11 digits) or a 0532- landline number');

export const PersonSchema = z.object({
  name: z.string().min(1).max(40),
  phone,
});

export const StationSchema = z
  .object({
    id: StationIdSchema,
    name: z.string().min(2).max(80),
    district: z.enum(DISTRICT_CODES),
    address: z.string().min(6).max(160),
    location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }),
    hostType: z.enum(HOST_TYPES),
    yearBuilt: z.number().int().min(2019).max(2100),
    openingHours: OpeningHoursSchema,
    areaM2: z.number().positive().max(1000),
    /** Most people the room holds at once (fire-safety capacity). */
    capacity: z.number().int().min(1).max(200),
    toiletDistanceM: z.number().min(0).max(5000),
    /** Items present and how each is observed; an item missing from the map is missing from the station. */
    equipment: z.partialRecord(z.enum(EQUIPMENT_ITEMS), z.enum(OBSERVATION)),
    responsiblePerson: PersonSchema,
    contactPhone: phone,
    photoUrl: z.url(),
    maintainers: z.array(PersonSchema).min(1),
  })
  .superRefine((s, ctx) => {
    if (!isInsideDistrict(s.district, s.location.lat, s.location.lon)) {
      ctx.addIssue({ code: 'custom', path: ['location'], message: `(${s.location.lat}, ${s.location.lon}) is outside district ${s.district}` });
    }
    for (const [item, how] of Object.entries(s.equipment)) {
      if (how === 'telemetry' && !TELEMETRY_CAPABLE.has(item as EquipmentItem)) {
        ctx.addIssue({ code: 'custom', path: ['equipment', item], message: `${item} cannot report telemetry; use "inspection"` });
      }
    }
  });
export type Station = z.infer<typeof StationSchema>;

/** Items of a station that report telemetry. */
export function telemetryItems(station: Station): EquipmentItem[] {
  return (Object.entries(station.equipment) as Array<[EquipmentItem, string]>).filter(([, how]) => how === 'telemetry').map(([item]) => item);
}
