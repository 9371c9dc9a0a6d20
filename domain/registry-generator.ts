import { CITY_TARGETS, DISTRICTS, type District } from './districts.js';
import { MANUAL_ITEMS, type EquipmentItem, type Observation } from './equipment.js';
import { apportion, createRng, type Rng } from './random.js';
import { WEEKDAYS, type OpeningHours } from './schedule.js';
import type { HostType, Station } from './station.js';

// Generates the default registry of 600 stations, deterministically. District counts follow
// the plan: the 2019 table as given (105), then 2020's +200 and 2021's +300 split in
// proportion to the 2019 table; the fleet is capped at the plan's 600, so 2021 builds 295.

export const DEFAULT_FLEET_SIZE = 600;

const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎'.split('');
const GIVEN = '伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰志强海燕红梅晓东文博思远子涵雨萱宏伟立新春雷'.split('');

const HOST_LABELS: Record<HostType, readonly string[]> = {
  union_built: ['总工会'],
  company_co_built: ['青岛啤酒', '海尔', '海信', '双星', '青岛港', '青岛地铁'],
  shop: ['便利店', '利群超市', '家家悦超市', '维客超市'],
  bank_branch: ['工商银行', '建设银行', '农业银行', '青岛银行', '青岛农商银行', '邮储银行'],
  pharmacy: ['漱玉平民大药房', '医保城大药房', '同仁堂药店'],
  courier_hub: ['顺丰速运', '中通快递', '圆通速递', '京东物流', '邮政快递'],
  office_building: ['国际金融中心', '商务大厦', '科技大厦'],
  street: ['街道办事处'],
  town: ['镇政府'],
  community: ['社区服务中心'],
  workers_service_center: ['职工服务中心'],
};

/** Host types favoured in each year, after the plan's text (2020: banks, courier hubs, buildings, streets, towns, communities). */
const HOSTS_BY_YEAR: Record<number, readonly HostType[]> = {
  2019: ['union_built', 'union_built', 'company_co_built', 'shop', 'workers_service_center', 'community'],
  2020: ['bank_branch', 'courier_hub', 'office_building', 'street', 'town', 'community', 'pharmacy'],
  2021: ['bank_branch', 'courier_hub', 'pharmacy', 'shop', 'company_co_built', 'community', 'street', 'office_building'],
};

const personName = (rng: Rng): string => rng.pick(SURNAMES) + rng.pick(GIVEN) + (rng.chance(0.6) ? rng.pick(GIVEN) : '');
const mobile = (rng: Rng): string => `1${rng.pick(['3', '5', '7', '8'])}${String(rng.int(0, 999_999_999)).padStart(9, '0')}`;

const weekly = (days: Partial<Record<(typeof WEEKDAYS)[number], Array<[string, string]>>>, fallback: Array<[string, string]>): OpeningHours => ({
  type: 'weekly',
  weekly: Object.fromEntries(WEEKDAYS.map((d) => [d, (days[d] ?? fallback).map(([open, close]) => ({ open, close }))])) as never,
  closedDates: [],
});

function openingHours(rng: Rng, host: HostType): OpeningHours {
  const roll = rng.next();
  let hours: OpeningHours;
  if (host === 'courier_hub' && roll < 0.3)
    hours = weekly({}, [['18:00', '06:00']]); // night sorting shift, runs past midnight
  else if (host === 'bank_branch' || host === 'courier_hub' || roll < 0.3) hours = { type: '24h', closedDates: [] };
  else if (host === 'office_building') hours = weekly({ sat: [['09:00', '17:00']], sun: [['09:00', '17:00']] }, [['07:30', '19:30']]);
  else if (host === 'street' || host === 'town')
    hours = weekly({}, [
      ['07:00', '11:30'],
      ['13:00', '19:00'],
    ]);
  else if (host === 'shop' || host === 'pharmacy') hours = weekly({}, [['08:00', '21:30']]);
  else hours = weekly({}, [['06:30', '20:00']]);
  // Some hosts close for the Spring Festival eve and first day.
  if (rng.chance(0.12)) hours.closedDates = ['2025-01-28', '2025-01-29', '2026-02-16', '2026-02-17'];
  return hours;
}

function equipment(rng: Rng): Partial<Record<EquipmentItem, Observation>> {
  const eq: Partial<Record<EquipmentItem, Observation>> = {
    wifi: 'telemetry',
    ai_speaker: 'telemetry',
    water_dispenser: 'telemetry',
    microwave: 'telemetry',
    fridge: 'telemetry',
    [rng.chance(0.55) ? 'air_conditioner' : 'fan']: 'telemetry',
    power_strip: rng.chance(0.7) ? 'telemetry' : 'inspection',
    lockers: rng.chance(0.4) ? 'telemetry' : 'inspection',
  };
  for (const item of MANUAL_ITEMS) eq[item] = 'inspection';
  // A few stations lack an item, so facility completeness has something to find.
  if (rng.chance(0.03)) delete eq[rng.pick<EquipmentItem>(['lockers', 'sink', 'air_pump', 'book_rack', 'microwave'])];
  return eq;
}

function makeStation(rng: Rng, district: District, seq: number, year: number, usedNames: Map<string, number>): Station {
  const id = `${district.code}-${String(seq).padStart(4, '0')}`;
  const street = district.streets[(seq - 1) % district.streets.length]!;
  const host = rng.pick(HOSTS_BY_YEAR[year]!);
  const label = rng.pick(HOST_LABELS[host]);
  const base = `${street.name}${label}劳动者驿站`;
  const n = (usedNames.get(base) ?? 0) + 1;
  usedNames.set(base, n);
  const area = rng.chance(0.02) ? rng.int(9, 11) : rng.int(12, 40);
  return {
    id,
    name: n === 1 ? base : `${base}${n}号站`,
    district: district.code,
    address: `山东省青岛市${district.kind === 'zone' ? '' : district.nameZh}${street.name}${rng.int(1, 399)}号${district.kind === 'zone' ? `（${district.nameZh}）` : ''}`,
    location: {
      lat: Number((street.lat + rng.float(-0.004, 0.004)).toFixed(6)),
      lon: Number((street.lon + rng.float(-0.004, 0.004)).toFixed(6)),
    },
    hostType: host,
    yearBuilt: year,
    openingHours: openingHours(rng, host),
    areaM2: area,
    capacity: Math.max(4, Math.min(30, Math.floor(area / 1.5))),
    toiletDistanceM: rng.chance(0.02) ? rng.int(110, 300) : rng.int(10, 100),
    equipment: equipment(rng),
    responsiblePerson: { name: personName(rng), phone: mobile(rng) },
    contactPhone: `0532-8${String(rng.int(0, 9_999_999)).padStart(7, '0')}`,
    photoUrl: `https://photos.example.org/qingdao-stations/${id}.jpg`,
    maintainers: Array.from({ length: rng.int(1, 2) }, () => ({ name: personName(rng), phone: mobile(rng) })),
  };
}

/** Stations to build per district and year: the 2019 table, then later years in proportion to it. */
export function buildPlan(fleetSize = DEFAULT_FLEET_SIZE): Array<{ district: District; perYear: Record<number, number> }> {
  const weights = DISTRICTS.map((d) => d.targets[2019] ?? 0);
  const first = weights;
  const firstTotal = first.reduce((a, b) => a + b, 0);
  const second = apportion(CITY_TARGETS[2020], weights);
  const third = apportion(Math.max(0, fleetSize - firstTotal - CITY_TARGETS[2020]), weights);
  return DISTRICTS.map((district, i) => ({ district, perYear: { 2019: first[i]!, 2020: second[i]!, 2021: third[i]! } }));
}

export function generateRegistry(seed = 2019, fleetSize = DEFAULT_FLEET_SIZE): Station[] {
  const rng = createRng(seed);
  const stations: Station[] = [];
  for (const { district, perYear } of buildPlan(fleetSize)) {
    const usedNames = new Map<string, number>();
    let seq = 0;
    for (const year of [2019, 2020, 2021]) {
      for (let i = 0; i < perYear[year]!; i++) stations.push(makeStation(rng, district, ++seq, year, usedNames));
    }
  }
  return stations;
}
