import type { FacilityStatus } from './alerts.js';
import { ITEM_NAMES, REQUIREMENTS, type EquipmentItem, type Words } from './equipment.js';

// The words users see for equipment and states, one zh/en name each, used by the alert messages
// (rules/catalog.ts → WeCom/DingTalk), the reports and the dashboard. A message never shows a raw
// id such as `umbrellas`: it names the item.

/** The name of a requirement (facility lists carry requirement ids) or of an item (inventories, inspections). */
export function equipmentWords(id: string): Words {
  const r = REQUIREMENTS.find((q) => q.id === id);
  if (r) return { zh: r.nameZh, en: r.nameEn };
  const item = ITEM_NAMES[id as EquipmentItem] as Words | undefined;
  if (!item) throw new Error(`no name for equipment ${id}`);
  return item;
}

export type FacilityGap = keyof Pick<FacilityStatus, 'missing' | 'faulted' | 'notReporting' | 'unattested'>;

/** What is wrong with a required item: absent, broken (a fault code or an inspection found it not working), silent, not inspected recently. */
export const FACILITY_GAPS: Readonly<Record<FacilityGap, Words>> = {
  missing: { zh: '缺少', en: 'Missing' },
  faulted: { zh: '故障', en: 'Faulted' },
  notReporting: { zh: '未上报', en: 'Not reporting' },
  unattested: { zh: '未巡检', en: 'Not inspected' },
};

/** How a station is shown live: online/offline as the heartbeats say, open/closed within that, unknown before any word from it. */
export const STATION_STATES: Readonly<Record<'online' | 'offline' | 'open' | 'closed' | 'unknown', Words>> = {
  online: { zh: '在线', en: 'Online' },
  offline: { zh: '离线', en: 'Offline' },
  open: { zh: '开放', en: 'Open' },
  closed: { zh: '关闭', en: 'Closed' },
  unknown: { zh: '状态未知', en: 'Unknown' },
};

/** "缺少：雨伞、医药箱；故障：微波炉" / "Missing: Umbrellas, Medical kit; Faulted: Microwave", the gaps given in this order. */
export function facilityGapsText(gaps: ReadonlyArray<readonly [FacilityGap, readonly string[]]>, lang: keyof Words): string {
  const [colon, comma, semi] = lang === 'zh' ? ['：', '、', '；'] : [': ', ', ', '; '];
  return gaps
    .filter(([, ids]) => ids.length > 0)
    .map(([gap, ids]) => `${FACILITY_GAPS[gap][lang]}${colon}${ids.map((id) => equipmentWords(id)[lang]).join(comma)}`)
    .join(semi);
}
