import { DISTRICTS } from '../../../../domain/districts.js';
import type { StationRow } from '../../../station-list.js';
import { api } from '../api.js';
import { STATE_COLORS } from '../charts.js';
import { h, mount } from '../dom.js';
import { actionErrors, reloadable } from '../error-state.js';
import { pct, pick, t, time } from '../i18n.js';
import { shownState, store } from '../live.js';
import type { View, ViewContext } from '../view.js';

type Row = StationRow;

export async function renderStations({ root, user, args }: ViewContext): Promise<View> {
  const filters = { district: user.district ?? args[0] ?? '', state: '', compliance: '', facilityIssue: '', q: '' };
  const body = h('tbody', { id: 'station-rows' });
  // The count belongs to the rows: hidden with them while a reload has failed.
  const count = h('span', { id: 'station-count' });
  let rows: Row[] = [];
  const table = reloadable(
    h(
      'div',
      { class: 'table-wrap' },
      h('p', { class: 'muted' }, `${t('stations')}: `, count),
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, [t('station'), t('district'), t('state'), t('people'), t('today'), t('facility'), t('activeAlerts'), t('lastSeen')].map((c) => h('th', {}, c)))),
        body,
      ),
    ),
    () => {
      const qs = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''));
      qs.set('limit', '1000');
      return api.get<{ total: number; stations: Row[] }>(`/api/stations?${qs}`);
    },
    (r) => {
      rows = r.stations;
      count.textContent = `${r.total}`;
      draw();
    },
  );
  const load = table.load;

  const select = (key: keyof typeof filters, options: Array<[string, string]>): HTMLSelectElement => {
    const el = h('select', { name: key, onchange: () => ((filters[key] = el.value), void load()) }, options.map(([v, label]) => h('option', { value: v, selected: filters[key] === v }, label)));
    return el;
  };
  const search = h('input', { type: 'search', placeholder: t('search'), name: 'q' });
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
      user.district ? null : select('district', [['', `${t('district')}: ${t('all')}`], ...DISTRICTS.map((d): [string, string] => [d.code, pick(d.nameZh, d.nameEn)])]),
      select('state', [['', `${t('state')}: ${t('all')}`], ['open', t('open')], ['closed', t('closed')], ['online', t('online')], ['offline', t('offline')], ['unknown', t('unknown')]]),
      select('compliance', [['', `${t('compliance')}: ${t('all')}`], ['failing', t('failing')], ['ok', 'OK']]),
      select('facilityIssue', [['', `${t('facility')}: ${t('all')}`], ['true', t('facilityIssue')], ['false', 'OK']]),
      search,
      h('button', { class: 'link', onclick: exports.run(() => api.download(navigation('csv'), 'navigation.csv')) }, `${t('navigation')} CSV`),
      h('button', { class: 'link', onclick: exports.run(() => api.download(navigation('geojson'), 'navigation.geojson')) }, t('exportGeoJson')),
      exports.el,
    ),
    table.el,
  );

  function draw(): void {
    mount(
      body,
      rows.map((r) => {
        const live = store.stations.get(r.id);
        const state = shownState(live);
        const alerts = [...store.alerts.values()].filter((a) => a.stationId === r.id);
        return h(
          'tr',
          { 'data-station': r.id, onclick: () => (location.hash = `#/station/${r.id}`) },
          h('td', {}, h('a', { href: `#/station/${r.id}` }, r.id), ' ', r.name),
          h('td', {}, r.district),
          h('td', {}, h('span', { class: 'dot', style: `background:${STATE_COLORS[state]}` }), t(state)),
          h('td', {}, live?.people ?? '—'),
          h('td', { class: r.failingOpenAllYear ? 'bad' : '' }, pct(r.complianceToday)),
          h('td', { class: (r.facilityPercent ?? 100) < 100 ? 'bad' : '' }, r.facilityPercent === null ? '—' : `${Math.round(r.facilityPercent)}%`),
          h('td', {}, alerts.length ? h('span', { class: `sev ${alerts[0]!.severity}` }, alerts.length) : ''),
          h('td', { class: 'muted' }, time(live?.lastSeen ?? r.lastSeen)),
        );
      }),
    );
  }

  await load();
  return { refresh: draw };
}
