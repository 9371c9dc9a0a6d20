import { z } from 'zod';
import { wgs84ToGcj02 } from '../domain/district-outlines.js';
import { DISTRICT_CODES, districtByCode } from '../domain/districts.js';
import { WEEKDAYS, type OpeningHours, type Weekday } from '../domain/schedule.js';
import type { Station } from '../domain/station.js';
import { toCsv } from './export-formats.js';
import type { LiveJudgement } from './live-state.js';

// The navigation table (附件3) for the 智慧工惠 app: the plan's five columns plus what a worker
// needs to find an open station — location, hours and the live open state. The registry holds
// WGS-84; Chinese map apps (AMap, Tencent, the app's own map) want GCJ-02, so the table and CSV
// give GCJ-02 and say so; GeoJSON is WGS-84 by its standard (RFC 7946) and says so too.

export const NavigationQuerySchema = z.strictObject({
  format: z.enum(['json', 'csv', 'geojson']).default('json'),
  district: z.enum(DISTRICT_CODES).optional(),
});

export const NavigationRowSchema = z.object({
  id: z.string(),
  district: z.string().describe('The district’s name, e.g. 市南区'),
  districtCode: z.enum(DISTRICT_CODES),
  name: z.string(),
  address: z.string(),
  contact: z.string(),
  phone: z.string(),
  photo: z.string(),
  lat: z.number().describe('GCJ-02 latitude (Chinese map apps)'),
  lon: z.number().describe('GCJ-02 longitude'),
  coordinateSystem: z.literal('GCJ-02'),
  wgs84: z.object({ lat: z.number(), lon: z.number() }).describe('The registry’s WGS-84 position (GPS, GeoJSON)'),
  hours: z.string().describe('Opening hours in Chinese, e.g. 每天 08:00-21:30'),
  openNow: z.boolean().nullable().describe('Live: open for service now; null when the station has not reported'),
});
export type NavigationRow = z.infer<typeof NavigationRowSchema>;

const DAY_ZH: Record<Weekday, string> = { sun: '周日', mon: '周一', tue: '周二', wed: '周三', thu: '周四', fri: '周五', sat: '周六' };

export function describeHours(hours: OpeningHours): string {
  const closed = hours.closedDates.length ? `（${hours.closedDates.length}个闭站日）` : '';
  if (hours.type === '24h') return `全天24小时${closed}`;
  const text = (d: Weekday): string => hours.weekly[d].map((w) => `${w.open}-${w.close}`).join('、') || '休息';
  const days = [...WEEKDAYS.slice(1), 'sun' as const];
  if (days.every((d) => text(d) === text('mon'))) return `每天 ${text('mon')}${closed}`;
  return days.map((d) => `${DAY_ZH[d]} ${text(d)}`).join('；') + closed;
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export function navigationRow(s: Station, judged: LiveJudgement): NavigationRow {
  const [lon, lat] = wgs84ToGcj02(s.location.lat, s.location.lon);
  return {
    id: s.id,
    district: districtByCode(s.district).nameZh,
    districtCode: s.district,
    name: s.name,
    address: s.address,
    contact: s.responsiblePerson.name,
    phone: s.contactPhone,
    photo: s.photoUrl,
    lat: round6(lat),
    lon: round6(lon),
    coordinateSystem: 'GCJ-02',
    wgs84: { lat: s.location.lat, lon: s.location.lon },
    hours: describeHours(s.openingHours),
    openNow: judged.live === 'unknown' ? null : judged.open,
  };
}

export function navigationCsv(rows: readonly NavigationRow[]): string {
  return toCsv(
    ['编号', '区市', '名称', '详细地址', '联系人', '联系电话', '机构图片', '纬度（GCJ-02）', '经度（GCJ-02）', '开放时间', '当前开放'],
    rows.map((r) => [
      r.id,
      r.district,
      r.name,
      r.address,
      r.contact,
      r.phone,
      r.photo,
      r.lat,
      r.lon,
      r.hours,
      r.openNow === null ? '未知' : r.openNow ? '开放' : '关闭',
    ]),
  );
}

/** RFC 7946 GeoJSON: WGS-84 longitude, latitude; `coordinateSystem` says so for readers used to GCJ-02. */
export function navigationGeoJson(rows: readonly NavigationRow[]): object {
  return {
    type: 'FeatureCollection',
    coordinateSystem: 'WGS-84',
    features: rows.map(({ lat: _lat, lon: _lon, coordinateSystem: _crs, wgs84, ...props }) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [wgs84.lon, wgs84.lat] },
      properties: props,
    })),
  };
}
