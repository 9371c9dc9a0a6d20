// The plan's basic configuration (基本配置), split into what telemetry can observe and what
// only an inspection can attest.

/** Appliances that report over MQTT on their own `appliance/<id>` topic. */
export const APPLIANCES = [
  'water_dispenser',
  'microwave',
  'fridge',
  'fan',
  'air_conditioner',
  'power_strip',
  'lockers',
] as const;
export type Appliance = (typeof APPLIANCES)[number];

/** Items that only an inspection can attest. */
export const MANUAL_ITEMS = [
  'table_chairs',
  'book_rack',
  'medical_kit',
  'air_pump',
  'trash_can',
  'umbrellas',
  'sink',
  'rules_frame',
  'anti_slip_floor',
] as const;
export type ManualItem = (typeof MANUAL_ITEMS)[number];

/** Every item a station's inventory may list. Wi-Fi is observed via the status heartbeat, the speaker via its own topic. */
export const EQUIPMENT_ITEMS = ['wifi', 'ai_speaker', ...APPLIANCES, ...MANUAL_ITEMS] as const;
export type EquipmentItem = (typeof EQUIPMENT_ITEMS)[number];

/** How an item present in a station is observed: by its telemetry, or by inspection only (e.g. a plain power strip). */
export const OBSERVATION = ['telemetry', 'inspection'] as const;
export type Observation = (typeof OBSERVATION)[number];

/** Items that can report telemetry at all; the rest can only be attested. */
export const TELEMETRY_CAPABLE: ReadonlySet<EquipmentItem> = new Set<EquipmentItem>(['wifi', 'ai_speaker', ...APPLIANCES]);

/** A requirement of the plan, met by any one of its items (a fan or an air conditioner). */
export interface Requirement {
  id: string;
  nameZh: string;
  nameEn: string;
  anyOf: readonly EquipmentItem[];
}

const req = (id: string, nameZh: string, nameEn: string, anyOf: EquipmentItem[] = [id as EquipmentItem]): Requirement => ({
  id,
  nameZh,
  nameEn,
  anyOf,
});

export const REQUIREMENTS: readonly Requirement[] = [
  req('wifi', '无线网络', 'Wi-Fi'),
  req('ai_speaker', '小度人工智能音箱', 'AI speaker'),
  req('water_dispenser', '饮水机', 'Water dispenser'),
  req('microwave', '微波炉', 'Microwave'),
  req('fridge', '冰箱', 'Fridge'),
  req('fan_or_ac', '电风扇（空调）', 'Fan or air conditioner', ['fan', 'air_conditioner']),
  req('power_strip', '多功能电源插座', 'Power strip'),
  req('lockers', '贮物柜', 'Lockers'),
  req('table_chairs', '桌子、椅子', 'Table and chairs'),
  req('book_rack', '书报架（柜）', 'Book and newspaper rack'),
  req('medical_kit', '医药箱', 'Medical kit'),
  req('air_pump', '打气筒', 'Air pump'),
  req('trash_can', '垃圾桶', 'Trash can'),
  req('umbrellas', '雨伞', 'Umbrellas'),
  req('sink', '洗手台', 'Sink'),
  req('rules_frame', '制度框', 'Posted rules frame'),
  req('anti_slip_floor', '防滑地面', 'Anti-slip floor'),
];

/** Site rules of the plan that are registry attributes, not equipment. */
export const MIN_AREA_M2 = 12;
export const MAX_TOILET_DISTANCE_M = 100;
