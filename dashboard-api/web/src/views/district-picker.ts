import { DISTRICTS } from '../../../../domain/districts.js';
import type { User } from '../api.js';
import { h } from '../dom.js';
import { pick, t } from '../i18n.js';

/** A district select for city staff; a maintainer is fixed to theirs and gets none. */
export function districtPicker(user: User, value: string, allowAll: boolean, onPick: (code: string) => void): HTMLElement | null {
  if (user.district) return null;
  const options = [...(allowAll ? [['', t('all')]] : []), ...DISTRICTS.map((d) => [d.code, pick(d.nameZh, d.nameEn)])];
  const el = h(
    'select',
    { name: 'district', 'aria-label': t('district'), onchange: () => onPick(el.value) },
    options.map(([v, l]) => h('option', { value: v!, selected: v === value }, l!)),
  );
  return h('label', {}, `${t('district')} `, el);
}
