import { z } from 'zod';
import { DISTRICT_CODES } from '../domain/districts.js';
import { WEEKDAYS, type OpeningHours, type Weekday } from '../domain/schedule.js';
import type { Station } from '../domain/station.js';
import { toCsv } from './export-formats.js';
import type { LiveJudgement } from './live-state.js';

// The navigation table (附件3) for the 智慧工惠 app: the plan's five columns plus what a worker
// needs to find an open station — location, hours and the live open state.

export const NavigationQuerySchema = z.strictObject({
  format: z.enum(['json', 'csv', 'geojson']).default('json'),
  district: z.enum(DISTRICT_CODES).optional(),
});

export const NavigationRowSchema = z.object({
  id: z.string(),
  district: z.string(),
  name: z.string(),
  address: z.string(),
  contact: z.string(),
  phone: z.string(),
  photo: z.string(),
  lat: z.number(),
  lon: z.number(),
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

export function navigationRow(s: Station, judged: LiveJudgement): NavigationRow {
  return {
    id: s.id,
    district: s.district,
    name: s.name,
    address: s.address,
    contact: s.responsiblePerson.name,
    phone: s.contactPhone,
    photo: s.photoUrl,
    lat: s.location.lat,
    lon: s.location.lon,
    hours: describeHours(s.openingHours),
    openNow: judged.live === 'unknown' ? null : judged.open,
  };
}

export function navigationCsv(rows: readonly NavigationRow[]): string {
  return toCsv(
    ['编号', '区市', '名称', '详细地址', '联系人', '联系电话', '机构图片', '纬度', '经度', '开放时间', '当前开放'],
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

export function navigationGeoJson(rows: readonly NavigationRow[]): object {
  return {
    type: 'FeatureCollection',
    features: rows.map(({ lat, lon, ...props }) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties: props })),
  };
}
