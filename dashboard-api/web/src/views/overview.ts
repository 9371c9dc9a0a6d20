import type { DistrictSummary, FleetSummary } from '../../../fleet-summary.js';
import { api } from '../api.js';
import type { MapConfig } from '../../../routes/map-routes.js';
import type { ComplianceTrend } from '../../../routes/trend-routes.js';
import { trendPanel } from '../compliance-trend.js';
import { districtMap, type Located } from '../district-map.js';
import { h, mount } from '../dom.js';
import { pct, pick, t } from '../i18n.js';
import { store, type Alert } from '../live.js';
import type { View, ViewContext } from '../view.js';

const SEVERITIES = ['critical', 'major', 'minor', 'info'] as const;

/** Alert counts with their names, e.g. "严重 1 · 重要 0 · 一般 2", so a count never stands unlabelled. */
function severityCounts(alerts: Alert[]): HTMLElement {
  return h(
    'span',
    { class: 'sev-counts' },
    SEVERITIES.filter((s) => s !== 'info' || alerts.some((a) => a.severity === 'info')).map((s) => {
      const n = alerts.filter((a) => a.severity === s).length;
      return h('span', { class: `sev ${n ? s : 'zero'}`, 'data-severity': s }, `${t(s)} ${n}`);
    }),
  );
}

/**
 * "Open now" is read against the stations scheduled open now, so it counts only those; a station
 * open outside its hours (or on a declared closure day) is named apart, never in the numerator.
 */
const openOf = (scheduled: number, outside: number): string =>
  `/ ${scheduled} ${t('ofScheduledNow')}${outside ? ` · ${pick(`另有 ${outside} 座在开放时间外开放`, `plus ${outside} open outside their hours`)}` : ''}`;

export async function renderOverview({ root, user }: ViewContext): Promise<View> {
  const headline = h('section', { class: 'headline', id: 'city-headline', 'aria-label': t('cityHeadline') });
  const tiles = h('section', { class: 'tiles', id: 'district-tiles' });
  const ranking = h('tbody', { id: 'district-ranking' });
  const [located, trendData, mapTiles] = await Promise.all([
    api.get<{ stations: Located[] }>('/api/stations?limit=1000').then((r) => r.stations),
    api.get<ComplianceTrend>('/api/compliance/trend?days=30'),
    // The tile layer's code is loaded only for a site that configured a tile server.
    api.get<MapConfig>('/api/map').then(async (m) => (m.tiles ? (await import('../tile-layer.js')).mapTiles(m.tiles) : undefined)),
  ]);
  const map = districtMap(located, user.district, mapTiles);
  const trend = trendPanel(trendData);
  mount(
    root,
    h('h2', {}, user.district ? t('districtHeadline') : t('cityHeadline')),
    headline,
    h(
      'div',
      { class: 'overview-cols' },
      h('section', { class: 'panel' }, h('h2', {}, t('map')), map.el),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, t('ranking')),
        h('p', { class: 'muted' }, t('rankingNote')),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'ranking' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['#', t('district'), t('days30'), t('today'), t('failingShort'), t('facility')].map((c) => h('th', { scope: 'col' }, c)),
              ),
            ),
            ranking,
          ),
        ),
      ),
    ),
    trend.el,
    h('h2', {}, t('districts')),
    tiles,
  );
  trend.draw();
  let summary: DistrictSummary[] = [];
  let all: FleetSummary['all'] | null = null;
  let lastFetch = 0;

  async function loadSummary(): Promise<void> {
    lastFetch = Date.now();
    ({ districts: summary, all } = await api.get<FleetSummary>('/api/fleet/summary'));
    drawTiles();
  }

  function drawHeadline(): void {
    const live = [...store.stations.values()];
    const sum = (of: (d: DistrictSummary) => number): number => summary.reduce((a, d) => a + of(d), 0);
    const registered = sum((d) => d.registered);
    const online = live.filter((s) => s.live === 'online').length;
    const judged = sum((d) => d.facility.complete + d.facility.withIssues);
    const complete = sum((d) => d.facility.complete);
    const failing = sum((d) => d.failingOpenAllYear);
    const alerts = [...store.alerts.values()];
    const card = (id: string, label: string, value: string, of: string): HTMLElement =>
      h(
        'div',
        { class: 'kpi', id: `kpi-${id}` },
        h('div', { class: 'kpi-label' }, label),
        h('div', { class: 'kpi-value' }, value),
        h('div', { class: 'kpi-of muted' }, of),
      );
    mount(
      headline,
      card('online', t('online'), `${online}`, `/ ${registered} ${t('ofRegistered')}`),
      card(
        'open',
        t('openNow'),
        `${sum((d) => d.openInHours)}`,
        openOf(
          sum((d) => d.scheduledOpenNow),
          sum((d) => d.openOutsideHours),
        ),
      ),
      card('today', `${t('compliance')} ${t('today')}`, pct(all?.compliance.today ?? null), `${t('pooledOf')} ${registered} ${t('stationsUnit')}`),
      card(
        '30d',
        `${t('compliance')} ${t('days30')}`,
        pct(all?.compliance.last30Days ?? null),
        `${registered - failing} / ${registered} ${t('meetThreshold')}`,
      ),
      card('facility', t('facilityComplete'), `${complete}`, `/ ${judged} ${t('ofJudged')}`),
      h(
        'div',
        { class: 'kpi', id: 'kpi-alerts' },
        h('div', { class: 'kpi-label' }, t('activeAlerts')),
        h('div', { class: 'kpi-value' }, `${alerts.length}`),
        h('div', { class: 'kpi-of' }, severityCounts(alerts)),
      ),
    );
  }

  function drawTiles(): void {
    drawHeadline();
    // Online and alerts come from the socket store; open now against hours (the server knows the schedules),
    // compliance and facility from the last REST summary.
    mount(
      tiles,
      summary.map((d) => {
        const live = [...store.stations.values()].filter((s) => s.district === d.code);
        const online = live.filter((s) => s.live === 'online').length;
        const alerts = [...store.alerts.values()].filter((a) => a.district === d.code);
        const critical = alerts.some((a) => a.severity === 'critical');
        const planned = Object.entries(d.targets).filter((e): e is [string, number] => e[1] !== null);
        return h(
          'a',
          { class: `tile ${critical ? 'crit' : alerts.length ? 'warn' : ''}`, href: `#/stations/${d.code}`, 'data-district': d.code },
          h('h3', {}, pick(d.nameZh, d.nameEn), critical ? h('span', { class: 'sr-flag' }, ` ⚠ ${t('critical')}`) : null),
          h('div', { class: 'big' }, h('span', { class: 'num' }, online), h('small', {}, ` / ${d.registered} ${t('online')}`)),
          h(
            'dl',
            {},
            h('dt', {}, t('openNow')),
            h('dd', { class: 'open-now' }, `${d.openInHours} `, openOf(d.scheduledOpenNow, d.openOutsideHours)),
            h('dt', {}, t('registered')),
            h('dd', {}, [String(d.registered), ...planned.map(([y, n]) => ` / ${pick(`${y}目标`, `${y} target`)} ${n}`)].join('')),
            h('dt', {}, t('activeAlerts')),
            h('dd', { class: 'alerts' }, severityCounts(alerts)),
            h('dt', {}, `${t('today')}/${t('days30')}/${t('ytd')}`),
            h('dd', {}, `${pct(d.compliance.today)} / ${pct(d.compliance.last30Days)} / ${pct(d.compliance.yearToDate)}`),
            h('dt', {}, t('facility')),
            h(
              'dd',
              {},
              d.facility.meanPercent === null
                ? '—'
                : `${Math.round(d.facility.meanPercent)}% · ${t('facilityComplete')} ${d.facility.complete} / ${d.facility.complete + d.facility.withIssues}`,
            ),
          ),
        );
      }),
    );
    // Ranking: 30-day open compliance first (the 常年正常开放 criterion), then today's.
    const ranked = [...summary].sort(
      (a, b) => (b.compliance.last30Days ?? -1) - (a.compliance.last30Days ?? -1) || (b.compliance.today ?? -1) - (a.compliance.today ?? -1),
    );
    mount(
      ranking,
      ranked.map((d, i) =>
        h(
          'tr',
          { 'data-district': d.code },
          h('td', {}, i + 1),
          h('td', {}, h('a', { href: `#/stations/${d.code}` }, pick(d.nameZh, d.nameEn))),
          h('td', {}, pct(d.compliance.last30Days)),
          h('td', {}, pct(d.compliance.today)),
          h('td', {}, `${d.failingOpenAllYear} / ${d.registered}`),
          h('td', {}, d.facility.meanPercent === null ? '—' : `${Math.round(d.facility.meanPercent)}%`),
        ),
      ),
    );
  }

  await loadSummary();
  map.draw();
  return {
    refresh() {
      drawTiles();
      map.draw();
      // A failed reload keeps the last summary on screen; the next refresh after 30 s tries again.
      if (Date.now() - lastFetch > 30_000) loadSummary().catch(() => undefined);
    },
  };
}
