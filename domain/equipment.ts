// The plan's basic configuration (基本配置), split into what telemetry can observe and what
// only an inspection can attest.

/** Appliances that report over MQTT on their own `appliance/<id>` topic. */
export const APPLIANCES = ['water_dispenser', 'microwave', 'fridge', 'fan', 'air_conditioner', 'power_strip', 'lockers'] as const;
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

/** A name users see, Chinese first. */
export interface Words {
  zh: string;
  en: string;
}

/**
 * The one name of every equipment item, in the plan's words, for alert messages, reports and the
 * dashboard alike (domain/words.ts has the facility and station states).
 */
export const ITEM_NAMES: Readonly<Record<EquipmentItem, Words>> = {
  wifi: { zh: '无线网络', en: 'Wi-Fi' },
  ai_speaker: { zh: '小度人工智能音箱', en: 'AI speaker' },
  water_dispenser: { zh: '饮水机', en: 'Water dispenser' },
  microwave: { zh: '微波炉', en: 'Microwave' },
  fridge: { zh: '冰箱', en: 'Fridge' },
  fan: { zh: '电风扇', en: 'Fan' },
  air_conditioner: { zh: '空调', en: 'Air conditioner' },
  power_strip: { zh: '多功能电源插座', en: 'Power strip' },
  lockers: { zh: '贮物柜', en: 'Lockers' },
  table_chairs: { zh: '桌子、椅子', en: 'Table and chairs' },
  book_rack: { zh: '书报架（柜）', en: 'Book and newspaper rack' },
  medical_kit: { zh: '医药箱', en: 'Medical kit' },
  air_pump: { zh: '打气筒', en: 'Air pump' },
  trash_can: { zh: '垃圾桶', en: 'Trash can' },
  umbrellas: { zh: '雨伞', en: 'Umbrellas' },
  sink: { zh: '洗手台', en: 'Sink' },
  rules_frame: { zh: '制度框', en: 'Posted rules frame' },
  anti_slip_floor: { zh: '防滑地面', en: 'Anti-slip floor' },
};

/** A requirement of the plan, met by any one of its items (a fan or an air conditioner). */
export interface Requirement {
  id: string;
  nameZh: string;
  nameEn: string;
  anyOf: readonly EquipmentItem[];
}

/** A requirement of one item, named as the item. */
const req = (id: EquipmentItem): Requirement => ({ id, nameZh: ITEM_NAMES[id].zh, nameEn: ITEM_NAMES[id].en, anyOf: [id] });

export const REQUIREMENTS: readonly Requirement[] = [
  req('wifi'),
  req('ai_speaker'),
  req('water_dispenser'),
  req('microwave'),
  req('fridge'),
  { id: 'fan_or_ac', nameZh: '电风扇（空调）', nameEn: 'Fan or air conditioner', anyOf: ['fan', 'air_conditioner'] },
  req('power_strip'),
  req('lockers'),
  req('table_chairs'),
  req('book_rack'),
  req('medical_kit'),
  req('air_pump'),
  req('trash_can'),
  req('umbrellas'),
  req('sink'),
  req('rules_frame'),
  req('anti_slip_floor'),
];

/** Site rules of the plan that are registry attributes, not equipment. */
export const MIN_AREA_M2 = 12;
export const MAX_TOILET_DISTANCE_M = 100;
