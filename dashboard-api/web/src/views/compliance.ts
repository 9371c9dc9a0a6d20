import type { ComplianceSnapshot } from '../../../../domain/alerts.js';
import { api } from '../api.js';
import { h, mount } from '../dom.js';
import { facilityIssues } from '../equipment-names.js';
import { reloadable } from '../error-state.js';
import { pct, t } from '../i18n.js';
import type { View, ViewContext } from '../view.js';
import { districtPicker } from './district-picker.js';

export async function renderCompliance({ root, user }: ViewContext): Promise<View> {
  let district = user.district ?? '';
  let failing = '';
  const body = h('tbody', { id: 'compliance-rows' });
  const { el, load } = reloadable(
    h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, [t('station'), t('today'), t('days30'), t('ytd'), t('facility'), t('issues')].map((c) => h('th', {}, c)))), body)),
    () => {
      const qs = new URLSearchParams();
      if (district) qs.set('district', district);
      if (failing) qs.set('failing', failing);
      return api.get<ComplianceSnapshot[]>(`/api/compliance?${qs}`);
    },
    (rows) =>
      mount(
        body,
        rows.map((c) =>
          h(
            'tr',
            { class: c.failingOpenAllYear ? 'bad' : '', 'data-station': c.stationId },
            h('td', {}, h('a', { href: `#/station/${c.stationId}` }, c.stationId)),
            h('td', {}, pct(c.today)),
            h('td', {}, pct(c.last30Days)),
            h('td', {}, pct(c.yearToDate)),
            h('td', {}, `${Math.round(c.facility.percent)}%`),
            h('td', { class: 'muted' }, facilityIssues(c.facility)),
          ),
        ),
      ),
  );
  const failingSel = h('select', { name: 'failing', onchange: () => ((failing = failingSel.value), void load()) }, [['', t('all')], ['true', t('failing')]].map(([v, l]) => h('option', { value: v! }, l!)));
  mount(root, h('section', { class: 'filters' }, districtPicker(user, district, true, (d) => ((district = d), void load())), failingSel), el);
  await load();
  return {};
}
