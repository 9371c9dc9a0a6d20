import { equipmentWords, facilityGapsText } from '../../../domain/words.js';
import type { FacilityStatus } from '../../../domain/alerts.js';
import { lang, pick } from './i18n.js';

/** The plan's name of a requirement (facility lists carry requirement ids) or of an item of it (inspections): the same words as the alert messages. */
export const equipmentName = (id: string): string => {
  const w = equipmentWords(id);
  return pick(w.zh, w.en);
};

/** A station's facility problems in words, e.g. "缺少：雨伞；故障：微波炉". */
export const facilityIssues = (f: FacilityStatus): string =>
  facilityGapsText(
    [
      ['missing', f.missing],
      ['faulted', f.faulted],
      ['notReporting', f.notReporting],
      ['unattested', f.unattested],
    ],
    lang,
  );
