// The 12 units of the plan (附件1) with stable codes. Targets are data from the plan:
// the 2019 table per unit (it sums to 105 although the text says 100), and city-wide
// totals for 2020 and 2021 from the text (the per-district split for those years is not given).

export const DISTRICT_CODES = ['SN', 'SB', 'LC', 'LS', 'CY', 'XHA', 'JM', 'JZ', 'PD', 'LX', 'GX', 'BS'] as const;
export type DistrictCode = (typeof DISTRICT_CODES)[number];

export const PLAN_YEARS = [2019, 2020, 2021] as const;
export type PlanYear = (typeof PLAN_YEARS)[number];

/** A street the generator places stations on: its centre point, used as a realistic anchor. */
export interface Street {
  name: string;
  lat: number;
  lon: number;
}

export interface District {
  code: DistrictCode;
  nameZh: string;
  nameEn: string;
  /** Kind of unit in the plan's table: urban district (区), county-level city (市) or functional zone. */
  kind: 'district' | 'city' | 'zone';
  /** Build target per plan year; null where the plan gives no per-district figure. */
  targets: Record<PlanYear, number | null>;
  /** A coarse bounding box of the unit's real area; every registered station must fall inside. */
  bounds: { minLat: number; maxLat: number; minLon: number; maxLon: number };
  /** Busy streets of the unit's urban core, where street-side stations are placed. */
  streets: Street[];
}

/** City-wide targets from the plan's text: 100 pilots in 2019, +200 in 2020, +300 in 2021, 600 in all. */
export const CITY_TARGETS: Record<PlanYear, number> = { 2019: 100, 2020: 200, 2021: 300 };
export const CITY_TOTAL_TARGET = 600;

const d = (
  code: DistrictCode,
  nameZh: string,
  nameEn: string,
  kind: District['kind'],
  target2019: number,
  bounds: District['bounds'],
  streets: Array<[string, number, number]>,
): District => ({
  code,
  nameZh,
  nameEn,
  kind,
  targets: { 2019: target2019, 2020: null, 2021: null },
  bounds,
  streets: streets.map(([name, lat, lon]) => ({ name, lat, lon })),
});

export const DISTRICTS: readonly District[] = [
  d('SN', '市南区', 'Shinan', 'district', 10, { minLat: 36.04, maxLat: 36.1, minLon: 120.29, maxLon: 120.46 }, [
    ['香港中路', 36.0625, 120.384],
    ['中山路', 36.0665, 120.3185],
    ['闽江路', 36.0705, 120.39],
    ['延安三路', 36.0695, 120.355],
  ]),
  d('SB', '市北区', 'Shibei', 'district', 10, { minLat: 36.06, maxLat: 36.16, minLon: 120.3, maxLon: 120.45 }, [
    ['台东一路', 36.0855, 120.35],
    ['辽宁路', 36.0795, 120.338],
    ['延吉路', 36.0925, 120.375],
    ['登州路', 36.0835, 120.3555],
  ]),
  d('LC', '李沧区', 'Licang', 'district', 10, { minLat: 36.12, maxLat: 36.24, minLon: 120.34, maxLon: 120.52 }, [
    ['京口路', 36.17, 120.41],
    ['书院路', 36.155, 120.43],
    ['九水东路', 36.17, 120.45],
    ['四流中路', 36.15, 120.385],
  ]),
  d('LS', '崂山区', 'Laoshan', 'district', 10, { minLat: 36.05, maxLat: 36.35, minLon: 120.42, maxLon: 120.72 }, [
    ['香港东路', 36.09, 120.47],
    ['松岭路', 36.115, 120.475],
    ['深圳路', 36.1, 120.455],
    ['株洲路', 36.115, 120.445],
  ]),
  d('CY', '城阳区', 'Chengyang', 'district', 10, { minLat: 36.2, maxLat: 36.45, minLon: 120.25, maxLon: 120.55 }, [
    ['正阳路', 36.305, 120.395],
    ['长城路', 36.295, 120.375],
    ['文阳路', 36.3, 120.405],
    ['黑龙江中路', 36.275, 120.395],
  ]),
  d('XHA', '青西新区', 'West Coast New Area', 'district', 10, { minLat: 35.58, maxLat: 36.12, minLon: 119.6, maxLon: 120.3 }, [
    ['长江中路', 35.96, 120.19],
    ['井冈山路', 35.955, 120.17],
    ['珠江路', 35.965, 120.2],
    ['江山中路', 35.975, 120.185],
  ]),
  d('JM', '即墨区', 'Jimo', 'district', 10, { minLat: 36.28, maxLat: 36.65, minLon: 120.3, maxLon: 120.95 }, [
    ['蓝鳌路', 36.39, 120.465],
    ['鹤山路', 36.385, 120.455],
    ['振华街', 36.39, 120.445],
    ['烟青路', 36.37, 120.44],
  ]),
  d('JZ', '胶州市', 'Jiaozhou', 'city', 10, { minLat: 36.05, maxLat: 36.45, minLon: 119.7, maxLon: 120.2 }, [
    ['扬州路', 36.285, 120.03],
    ['郑州路', 36.265, 120.035],
    ['福州路', 36.275, 120.01],
    ['兰州路', 36.29, 120.015],
  ]),
  d('PD', '平度市', 'Pingdu', 'city', 10, { minLat: 36.5, maxLat: 37.1, minLon: 119.5, maxLon: 120.3 }, [
    ['红旗路', 36.785, 119.96],
    ['人民路', 36.775, 119.95],
    ['胜利路', 36.78, 119.975],
    ['常州路', 36.79, 119.945],
  ]),
  d('LX', '莱西市', 'Laixi', 'city', 10, { minLat: 36.6, maxLat: 37.15, minLon: 120.3, maxLon: 120.8 }, [
    ['烟台路', 36.89, 120.52],
    ['威海路', 36.885, 120.53],
    ['石岛路', 36.875, 120.51],
    ['上海路', 36.87, 120.535],
  ]),
  d('GX', '高新区', 'Hi-tech Zone', 'zone', 3, { minLat: 36.22, maxLat: 36.32, minLon: 120.2, maxLon: 120.35 }, [
    ['火炬路', 36.265, 120.285],
    ['汇智桥路', 36.275, 120.29],
    ['河东路', 36.27, 120.3],
    ['智力岛路', 36.28, 120.275],
  ]),
  d('BS', '保税区', 'Bonded Zone', 'zone', 2, { minLat: 35.97, maxLat: 36.02, minLon: 120.19, maxLon: 120.25 }, [
    ['北京路', 35.995, 120.215],
    ['上海路', 35.99, 120.225],
    ['天津路', 36.0, 120.22],
  ]),
];

const byCode = new Map(DISTRICTS.map((x) => [x.code, x]));

export function districtByCode(code: DistrictCode): District {
  const found = byCode.get(code);
  if (!found) throw new Error(`unknown district ${code}`);
  return found;
}

export function isInsideDistrict(code: DistrictCode, lat: number, lon: number): boolean {
  const b = districtByCode(code).bounds;
  return lat >= b.minLat && lat <= b.maxLat && lon >= b.minLon && lon <= b.maxLon;
}
