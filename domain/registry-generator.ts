import { type DistrictOutlines, insideOutline } from './district-outlines.js';
import { CITY_TARGETS, DISTRICTS, type District, type DistrictCode, isInsideDistrict } from './districts.js';
import { MANUAL_ITEMS, type EquipmentItem, type Observation } from './equipment.js';
import { apportion, createRng, type Rng } from './random.js';
import { WEEKDAYS, type OpeningHours } from './schedule.js';
import type { HostType, Station } from './station.js';

// Generates the default registry of 600 stations, deterministically. District counts follow
// the plan: the 2019 table as given (105), then 2020's +200 and 2021's +300 split in
// proportion to the 2019 table; the fleet is capped at the plan's 600, so 2021 builds 295.
// Plausible, not real: every station lies inside its own district's outline; the districts and
// county-level cities with towns put a share of their stations in those towns, spread over
// their territory (town locations are sampled inside the outline, not the real town seats), and a
// town government (镇政府) hosts only there; no two stations share an address; most bank branches
// keep banking hours (a few have a 24 h self-service lobby); the 2019 pilots of a unit with ten
// start with five the union built itself (the form's 自建本级 criterion).

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
  town: ['人民政府'],
  community: ['社区服务中心'],
  workers_service_center: ['职工服务中心'],
};

/** Host types favoured in each year, after the plan's text (2020: banks, courier hubs, buildings, streets, towns, communities). */
const HOSTS_BY_YEAR: Record<number, readonly HostType[]> = {
  2019: ['union_built', 'union_built', 'company_co_built', 'shop', 'workers_service_center', 'community'],
  2020: ['bank_branch', 'courier_hub', 'office_building', 'street', 'town', 'community', 'pharmacy'],
  2021: ['bank_branch', 'courier_hub', 'pharmacy', 'shop', 'company_co_built', 'community', 'street', 'office_building'],
};

/** Towns (镇) of the units that have them; a station there carries the town's name. */
const TOWNS: Partial<Record<DistrictCode, readonly string[]>> = {
  XHA: ['王台镇', '藏马镇', '六汪镇', '宝山镇', '大场镇', '海青镇', '张家楼镇', '大村镇', '泊里镇'],
  JM: ['蓝村镇', '田横镇', '金口镇', '移风店镇', '段泊岚镇', '大信镇'],
  JZ: ['李哥庄镇', '胶莱镇', '铺集镇', '里岔镇', '胶西镇', '洋河镇'],
  PD: ['南村镇', '蓼兰镇', '崔家集镇', '明村镇', '田庄镇', '新河镇', '店子镇', '大泽山镇', '旧店镇', '云山镇', '古岘镇', '仁兆镇'],
  LX: ['院上镇', '日庄镇', '南墅镇', '河头店镇', '店埠镇', '姜山镇', '夏格庄镇', '武备镇'],
};
/** Share of a unit's stations (besides town governments) placed in its towns: more in the county-level cities. */
const TOWN_SHARE: Record<District['kind'], number> = { city: 0.5, district: 0.35, zone: 0 };
const TOWN_STREETS = ['府前路', '中心大街', '商业街', '工业路', '文化路'];

interface Town {
  name: string;
  lat: number;
  lon: number;
}

interface Place {
  lat: number;
  lon: number;
  /** What the name and address start with: a street of the core, or a town. */
  area: string;
  /** The street of the address. */
  street: string;
  town: boolean;
}

const KM_LAT = 1 / 111;
const core = (d: District): { lat: number; lon: number } => ({
  lat: d.streets.reduce((a, s) => a + s.lat, 0) / d.streets.length,
  lon: d.streets.reduce((a, s) => a + s.lon, 0) / d.streets.length,
});
const distanceKm = (a: { lat: number; lon: number }, b: { lat: number; lon: number }): number =>
  Math.hypot((a.lat - b.lat) / KM_LAT, ((a.lon - b.lon) * Math.cos((a.lat * Math.PI) / 180)) / KM_LAT);

/** Inside the unit's bounding box and its outline. */
const fits = (d: District, outlines: DistrictOutlines, lat: number, lon: number): boolean =>
  isInsideDistrict(d.code, lat, lon) && insideOutline(outlines, d.code, lat, lon);

/** A point near (lat, lon) within `km`, inside the unit; null after many misses. */
function near(rng: Rng, d: District, outlines: DistrictOutlines, at: { lat: number; lon: number }, km: number): { lat: number; lon: number } | null {
  for (let i = 0; i < 200; i++) {
    const lat = at.lat + rng.float(-km, km) * KM_LAT;
    const lon = at.lon + (rng.float(-km, km) * KM_LAT) / Math.cos((at.lat * Math.PI) / 180);
    if (fits(d, outlines, lat, lon)) return { lat, lon };
  }
  return null;
}

/** Town seats spread over the unit's territory, away from its core. */
function townsOf(rng: Rng, d: District, outlines: DistrictOutlines): Town[] {
  const centre = core(d);
  const b = d.bounds;
  return (TOWNS[d.code] ?? []).map((name) => {
    let best: Town | null = null;
    for (let i = 0; i < 2000 && !best; i++) {
      const lat = rng.float(b.minLat, b.maxLat);
      const lon = rng.float(b.minLon, b.maxLon);
      if (fits(d, outlines, lat, lon) && distanceKm({ lat, lon }, centre) >= 8) best = { name, lat, lon };
    }
    if (!best) throw new Error(`no room for ${name} in ${d.code}'s outline`);
    return best;
  });
}

function place(rng: Rng, d: District, outlines: DistrictOutlines, host: HostType, seq: number, towns: readonly Town[]): Place {
  const inTown = towns.length > 0 && (host === 'town' || rng.chance(TOWN_SHARE[d.kind]));
  if (inTown) {
    const town = rng.pick(towns);
    const p = near(rng, d, outlines, town, 1.5) ?? town;
    return { ...p, area: town.name, street: `${town.name}${rng.pick(TOWN_STREETS)}`, town: true };
  }
  const street = d.streets[(seq - 1) % d.streets.length]!;
  // A street's anchor may sit on the outline's simplified coast or border: widen the search, then fall back to the core.
  const p = near(rng, d, outlines, street, 0.45) ?? near(rng, d, outlines, street, 2) ?? near(rng, d, outlines, core(d), 5);
  if (!p) throw new Error(`no point of ${d.code}'s core inside its outline`);
  return { ...p, area: street.name, street: street.name, town: false };
}

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
  else if (host === 'bank_branch')
    // Most branches host the station in banking hours; a few in a 24 h self-service lobby.
    hours = roll < 0.2 ? { type: '24h', closedDates: [] } : weekly({ sat: [['09:00', '16:00']], sun: [['09:00', '16:00']] }, [['08:30', '17:30']]);
  else if (host === 'courier_hub' || roll < 0.3) hours = { type: '24h', closedDates: [] };
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

function makeStation(
  rng: Rng,
  district: District,
  seq: number,
  year: number,
  used: { names: Map<string, number>; addresses: Set<string> },
  where: { outlines: DistrictOutlines; towns: readonly Town[] },
): Station {
  const id = `${district.code}-${String(seq).padStart(4, '0')}`;
  // A unit's first five pilots are the union's own (a unit of ten: 自建本级, item 4 of the form).
  let host: HostType = year === 2019 && seq <= 5 && (district.targets[2019] ?? 0) >= 10 ? 'union_built' : rng.pick(HOSTS_BY_YEAR[year]!);
  if (host === 'town' && where.towns.length === 0) host = 'street';
  const at = place(rng, district, where.outlines, host, seq, where.towns);
  const label = rng.pick(HOST_LABELS[host]);
  const base = `${at.area}${label}劳动者驿站`;
  const n = (used.names.get(base) ?? 0) + 1;
  used.names.set(base, n);
  const area = rng.chance(0.02) ? rng.int(9, 11) : rng.int(12, 40);
  const prefix = `山东省青岛市${district.kind === 'zone' ? '' : district.nameZh}`;
  let address: string;
  do address = `${prefix}${at.street}${rng.int(1, 399)}号${district.kind === 'zone' ? `（${district.nameZh}）` : ''}`;
  while (used.addresses.has(address));
  used.addresses.add(address);
  return {
    id,
    name: n === 1 ? base : `${base}${n}号站`,
    district: district.code,
    address,
    location: { lat: Number(at.lat.toFixed(6)), lon: Number(at.lon.toFixed(6)) },
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

/** The default registry; `outlines` are the district outlines every station must lie in (data/qingdao-districts.geo.json). */
export function generateRegistry(outlines: DistrictOutlines, seed = 2019, fleetSize = DEFAULT_FLEET_SIZE): Station[] {
  const rng = createRng(seed);
  const stations: Station[] = [];
  for (const { district, perYear } of buildPlan(fleetSize)) {
    const used = { names: new Map<string, number>(), addresses: new Set<string>() };
    const towns = townsOf(rng.fork(`towns-${district.code}`), district, outlines);
    let seq = 0;
    for (const year of [2019, 2020, 2021]) {
      for (let i = 0; i < perYear[year]!; i++) stations.push(makeStation(rng, district, ++seq, year, used, { outlines, towns }));
    }
  }
  return stations;
}
