import { REQUIREMENTS } from '../../../domain/equipment.js';
import { pick, t } from './i18n.js';

/** Items that share a requirement but are told apart on the live panel (the plan names them together). */
const ITEM_NAMES: Record<string, [string, string]> = { fan: ['电风扇', 'Fan'], air_conditioner: ['空调', 'Air conditioner'] };

/** The plan's name of a requirement (facility lists carry requirement ids) or of an item of it (inspections, live appliances). */
export const equipmentName = (id: string): string => {
  const own = ITEM_NAMES[id];
  if (own) return pick(own[0], own[1]);
  const r = REQUIREMENTS.find((q) => q.id === id || (q.anyOf as readonly string[]).includes(id));
  return r ? pick(r.nameZh, r.nameEn) : id;
};

/** A station's facility problems in words, e.g. "缺少: 雨伞; 故障: 微波炉". */
export function facilityIssues(f: { missing: string[]; faulted: string[]; notReporting: string[]; unattested: string[] }): string {
  const groups = [['missing', f.missing], ['faulted', f.faulted], ['notReporting', f.notReporting], ['unattested', f.unattested]] as const;
  return groups.filter(([, ids]) => ids.length > 0).map(([key, ids]) => `${t(key)}: ${ids.map(equipmentName).join(', ')}`).join('; ');
}
