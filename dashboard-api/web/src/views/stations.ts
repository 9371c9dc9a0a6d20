import { DISTRICTS } from '../../../../domain/districts.js';
import type { StationRow } from '../../../station-list.js';
import { api } from '../api.js';
import { STATE_COLORS, STATE_MARKS } from '../charts.js';
import { h, mount } from '../dom.js';
import { actionErrors } from '../error-state.js';
import { pct, pick, t, time } from '../i18n.js';
import { shownState, store } from '../live.js';
import { pagedTable } from '../paged-table.js';
import type { View, ViewContext } from '../view.js';

type Row = StationRow;

export async function renderStations({ root, user, args }: ViewContext): Promise<View> {
  const filters = { district: user.district ?? args[0] ?? '', state: '', compliance: '', facilityIssue: '', q: '' };
  const alertsOf = (id: string): Array<{ severity: string }> => [...store.alerts.values()].filter((a) => a.stationId === id);
  const list = pagedTable<Row>({
    id: 'station-rows',
    countId: 'station-count',
    pageSize: 50,
    initialSort: { key: 'id', order: 'asc' },
    fetch: async (qs) => {
      for (const [k, v] of Object.entries(filters)) if (v !== '') qs.set(k, v);
      const r = await api.get<{ total: number; stations: Row[] }>(`/api/stations?${qs}`);
      return { total: r.total, rows: r.stations };
    },
    rowAttrs: (r) => ({
      'data-station': r.id,
      onclick: (ev: Event) => ((ev.target as HTMLElement).closest('a') ? undefined : (location.hash = `#/station/${r.id}`)),
    }),
    columns: [
      { label: t('station'), sort: 'id', cell: (r) => [h('a', { href: `#/station/${r.id}` }, r.id), ' ', r.name] },
      { label: t('district'), sort: 'district', cell: (r) => districtName(r.district) },
      {
        label: t('state'),
        sort: 'state',
        cell: (r) => {
          const state = shownState(store.stations.get(r.id));
          return [h('span', { class: 'mark', style: `color:${STATE_COLORS[state]}`, 'aria-hidden': 'true' }, STATE_MARKS[state]), ' ', t(state)];
        },
      },
      { label: t('people'), sort: 'people', cell: (r) => store.stations.get(r.id)?.people ?? r.people ?? '—' },
      {
        label: t('today'),
        sort: 'complianceToday',
        cell: (r) => [pct(r.complianceToday), r.failingOpenAllYear ? ` ⚠ ${t('failing')}` : ''],
        cellClass: (r) => (r.failingOpenAllYear ? 'bad' : ''),
      },
      {
        label: t('facility'),
        sort: 'facilityPercent',
        cell: (r) => (r.facilityPercent === null ? '—' : `${Math.round(r.facilityPercent)}%`),
        cellClass: (r) => ((r.facilityPercent ?? 100) < 100 ? 'bad' : ''),
      },
      {
        label: t('activeAlerts'),
        sort: 'activeAlerts',
        cell: (r) => {
          const alerts = alertsOf(r.id);
          return alerts.length ? h('span', { class: `sev ${alerts[0]!.severity}` }, `${t(alerts[0]!.severity as 'critical')} ${alerts.length}`) : '';
        },
      },
      { label: t('lastSeen'), sort: 'lastSeen', cell: (r) => time(store.stations.get(r.id)?.lastSeen ?? r.lastSeen), cellClass: () => 'muted' },
    ],
  });
  const load = (): Promise<void> => list.load(true);

  const select = (key: keyof typeof filters, label: string, options: Array<[string, string]>): HTMLElement => {
    const el = h(
      'select',
      { name: key, onchange: () => ((filters[key] = el.value), void load()) },
      options.map(([v, text]) => h('option', { value: v, selected: filters[key] === v }, text)),
    );
    return h('label', {}, `${label} `, el);
  };
  const search = h('input', { type: 'search', placeholder: t('search'), name: 'q', 'aria-label': t('search') });
  let debounce: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => ((filters.q = search.value.trim()), void load()), 250);
  });

  const exports = actionErrors('export-error', 'exportFailed');
  const navigation = (format: 'csv' | 'geojson'): string => `/api/navigation?format=${format}${filters.district ? `&district=${filters.district}` : ''}`;
  mount(
    root,
    h(
      'section',
      { class: 'filters' },
      user.district ? null : select('district', t('district'), [['', t('all')], ...DISTRICTS.map((d): [string, string] => [d.code, pick(d.nameZh, d.nameEn)])]),
      select('state', t('state'), [
        ['', t('all')],
        ['open', t('open')],
        ['closed', t('closed')],
        ['online', t('online')],
        ['offline', t('offline')],
        ['unknown', t('unknown')],
      ]),
      select('compliance', t('compliance'), [
        ['', t('all')],
        ['failing', t('failing')],
        ['ok', 'OK'],
      ]),
      select('facilityIssue', t('facility'), [
        ['', t('all')],
        ['true', t('facilityIssue')],
        ['false', 'OK'],
      ]),
      search,
      h('button', { class: 'link', onclick: exports.run(() => api.download(navigation('csv'), 'navigation.csv')) }, `${t('navigation')} CSV`),
      h('button', { class: 'link', onclick: exports.run(() => api.download(navigation('geojson'), 'navigation.geojson')) }, t('exportGeoJson')),
      exports.el,
    ),
    list.el,
  );

  await load();
  return { refresh: list.redraw };
}

const districtName = (code: string): string => {
  const d = DISTRICTS.find((x) => x.code === code);
  return d ? pick(d.nameZh, d.nameEn) : code;
};
