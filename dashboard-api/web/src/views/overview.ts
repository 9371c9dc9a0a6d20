import { DISTRICTS } from '../../../../domain/districts.js';
import type { DistrictSummary } from '../../../fleet-summary.js';
import { api } from '../api.js';
import { chartIn, STATE_COLORS } from '../charts.js';
import { h, mount } from '../dom.js';
import { pct, pick, t } from '../i18n.js';
import { shownState, store, type ShownState } from '../live.js';
import type { View, ViewContext } from '../view.js';

interface Located {
  id: string;
  name: string;
  district: string;
  location: { lat: number; lon: number };
}

export async function renderOverview({ root }: ViewContext): Promise<View> {
  const tiles = h('section', { class: 'tiles', id: 'district-tiles' });
  const mapEl = h('div', { class: 'map', id: 'station-map' });
  mount(root, tiles, h('section', { class: 'panel' }, h('h2', {}, t('map')), legend(), mapEl));
  const located = (await api.get<{ stations: Located[] }>('/api/stations?limit=1000')).stations;
  const visible = new Set(located.map((s) => s.district));
  let summary: DistrictSummary[] = [];
  let lastFetch = 0;

  async function loadSummary(): Promise<void> {
    lastFetch = Date.now();
    summary = (await api.get<{ districts: DistrictSummary[] }>('/api/fleet/summary')).districts;
    drawTiles();
  }

  function drawTiles(): void {
    // Live counts come from the socket store; compliance and facility from the last REST summary.
    mount(
      tiles,
      summary.map((d) => {
        const live = [...store.stations.values()].filter((s) => s.district === d.code);
        const online = live.filter((s) => s.live === 'online').length;
        const open = live.filter((s) => s.live === 'online' && s.open).length;
        const alerts = [...store.alerts.values()].filter((a) => a.district === d.code);
        const bySeverity = (sev: string): number => alerts.filter((a) => a.severity === sev).length;
        const planned = Object.entries(d.targets).filter((e): e is [string, number] => e[1] !== null);
        return h(
          'a',
          { class: `tile ${bySeverity('critical') ? 'crit' : alerts.length ? 'warn' : ''}`, href: `#/stations/${d.code}`, 'data-district': d.code },
          h('h3', {}, pick(d.nameZh, d.nameEn)),
          h('div', { class: 'big' }, h('span', { class: 'num' }, online), h('small', {}, ` / ${d.registered} ${t('online')}`)),
          h(
            'dl',
            {},
            h('dt', {}, t('openNow')),
            h('dd', {}, `${open} / ${d.scheduledOpenNow}`),
            h('dt', {}, t('registered')),
            h('dd', {}, [String(d.registered), ...planned.map(([y, n]) => ` / ${pick(`${y}目标`, `${y} target`)} ${n}`)].join('')),
            h('dt', {}, t('activeAlerts')),
            h('dd', { class: 'alerts' }, (['critical', 'major', 'minor'] as const).map((s) => h('span', { class: `sev ${bySeverity(s) ? s : 'zero'}`, title: t(s) }, bySeverity(s)))),
            h('dt', {}, `${t('today')}/${t('days30')}/${t('ytd')}`),
            h('dd', {}, `${pct(d.compliance.today)} / ${pct(d.compliance.last30Days)} / ${pct(d.compliance.yearToDate)}`),
            h('dt', {}, t('facility')),
            h('dd', {}, d.facility.meanPercent === null ? '—' : `${Math.round(d.facility.meanPercent)}%`),
          ),
        );
      }),
    );
  }

  const chart = chartIn(mapEl);
  function drawMap(): void {
    const shown = DISTRICTS.filter((d) => visible.has(d.code));
    const outlines = shown.map((d) => [
      { name: pick(d.nameZh, d.nameEn), xAxis: d.bounds.minLon, yAxis: d.bounds.minLat },
      { xAxis: d.bounds.maxLon, yAxis: d.bounds.maxLat },
    ]);
    const series = (Object.keys(STATE_COLORS) as ShownState[]).map((state, i) => ({
      name: t(state),
      type: 'scatter' as const,
      symbolSize: located.length > 100 ? 7 : 12,
      itemStyle: { color: STATE_COLORS[state] },
      data: located.filter((s) => shownState(store.stations.get(s.id)) === state).map((s) => ({ value: [s.location.lon, s.location.lat], name: `${s.id} ${s.name}`, id: s.id })),
      ...(i === 0 ? { markArea: { silent: true, itemStyle: { color: 'rgba(88,166,255,0.05)', borderColor: 'rgba(139,148,158,0.5)', borderWidth: 1 }, label: { color: '#8b949e', fontSize: 11 }, data: outlines } } : {}),
    }));
    chart.setOption({
      backgroundColor: 'transparent',
      animation: false,
      grid: { left: 48, right: 16, top: 16, bottom: 32 },
      tooltip: { formatter: (p: { name: string; seriesName: string }) => `${p.name}<br>${p.seriesName}` },
      // The axes span the visible districts' outlines, so a district's stations sit inside its box.
      xAxis: { type: 'value', min: Math.min(...shown.map((d) => d.bounds.minLon)), max: Math.max(...shown.map((d) => d.bounds.maxLon)), name: '°E', splitLine: { lineStyle: { color: '#21262d' } }, axisLabel: { formatter: (v: number) => v.toFixed(2) } },
      yAxis: { type: 'value', min: Math.min(...shown.map((d) => d.bounds.minLat)), max: Math.max(...shown.map((d) => d.bounds.maxLat)), name: '°N', splitLine: { lineStyle: { color: '#21262d' } }, axisLabel: { formatter: (v: number) => v.toFixed(2) } },
      series,
    });
  }
  chart.off('click');
  chart.on('click', (p) => {
    const id = (p.data as { id?: string } | undefined)?.id;
    if (id) location.hash = `#/station/${id}`;
  });

  await loadSummary();
  drawMap();
  return {
    refresh() {
      drawTiles();
      drawMap();
      // A failed reload keeps the last summary on screen; the next refresh after 30 s tries again.
      if (Date.now() - lastFetch > 30_000) loadSummary().catch(() => undefined);
    },
  };
}

function legend(): HTMLElement {
  return h('div', { class: 'legend' }, (Object.keys(STATE_COLORS) as ShownState[]).map((s) => h('span', {}, h('i', { style: `background:${STATE_COLORS[s]}` }), t(s))));
}
