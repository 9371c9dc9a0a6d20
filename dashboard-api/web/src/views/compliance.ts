import type { ComplianceRow } from '../../../routes/compliance-routes.js';
import { api } from '../api.js';
import { h, mount } from '../dom.js';
import { facilityIssues } from '../equipment-names.js';
import { pct, t } from '../i18n.js';
import { pagedTable } from '../paged-table.js';
import type { View, ViewContext } from '../view.js';
import { districtPicker } from './district-picker.js';

export async function renderCompliance({ root, user }: ViewContext): Promise<View> {
  let district = user.district ?? '';
  let failing = '';
  let q = '';
  const list = pagedTable<ComplianceRow>({
    id: 'compliance-rows',
    countId: 'compliance-count',
    pageSize: 50,
    initialSort: { key: 'last30Days', order: 'asc' },
    fetch: (qs) => {
      if (district) qs.set('district', district);
      if (failing) qs.set('failing', failing);
      if (q) qs.set('q', q);
      return api.get<{ total: number; rows: ComplianceRow[] }>(`/api/compliance?${qs}`);
    },
    rowAttrs: (c) => ({ class: c.failingOpenAllYear ? 'bad' : '', 'data-station': c.stationId }),
    columns: [
      {
        label: t('station'),
        sort: 'stationId',
        cell: (c) => [h('a', { href: `#/station/${c.stationId}` }, c.stationId), ' ', c.name, c.failingOpenAllYear ? ` ⚠ ${t('failing')}` : ''],
      },
      { label: t('today'), sort: 'today', cell: (c) => pct(c.today) },
      { label: t('days30'), sort: 'last30Days', cell: (c) => pct(c.last30Days) },
      { label: t('ytd'), sort: 'yearToDate', cell: (c) => pct(c.yearToDate) },
      { label: t('facility'), sort: 'facility', cell: (c) => `${Math.round(c.facility.percent)}%` },
      { label: t('issues'), cell: (c) => facilityIssues(c.facility), cellClass: () => 'muted' },
    ],
  });
  const failingSel = h(
    'select',
    { name: 'failing', onchange: () => ((failing = failingSel.value), void list.load(true)) },
    [
      ['', t('all')],
      ['true', t('failing')],
    ].map(([v, l]) => h('option', { value: v! }, l!)),
  );
  const search = h('input', { type: 'search', placeholder: t('search'), name: 'q', 'aria-label': t('search') });
  let debounce: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => ((q = search.value.trim()), void list.load(true)), 250);
  });
  mount(
    root,
    h(
      'section',
      { class: 'filters' },
      districtPicker(user, district, true, (d) => ((district = d), void list.load(true))),
      h('label', {}, `${t('compliance')} `, failingSel),
      search,
    ),
    list.el,
  );
  await list.load(true);
  return {};
}
