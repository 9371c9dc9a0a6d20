import { districtByCode } from '../../../domain/districts.js';
import type { ComplianceTrend } from '../../routes/trend-routes.js';
import { chartIn } from './charts.js';
import { h } from './dom.js';
import { pct, pick, t } from './i18n.js';

// The last 30 complete days of open compliance per district (daily rollups, pooled time). Days the
// platform did not watch in full are shaded and labelled, and a district's day nobody watched is a
// gap in its line: never drawn as 0 (closed).

/** Below this share of watched scheduled time a day is marked as partly unwatched. */
const FULLY_WATCHED = 0.995;

/** The panel, and `draw` to call once it is in the page (a chart needs its size). */
export function trendPanel(trend: ComplianceTrend): { el: HTMLElement; draw: () => void } {
  // Per day, the watched share over the districts shown (the platform's coverage is city-wide).
  const coverage = trend.dates.map((_, i) => {
    const xs = trend.districts.map((d) => d.coverage[i]).filter((c): c is number => c !== null && c !== undefined);
    return xs.length ? Math.min(...xs) : null;
  });
  const unwatched = trend.dates.filter((_, i) => coverage[i] === null || coverage[i]! < FULLY_WATCHED);
  const chartEl = h('div', {
    class: 'trend',
    id: 'trend-chart',
    role: 'img',
    'aria-label': `${t('trend')}: ${trend.districts.map((d) => pick(districtByCode(d.district).nameZh, districtByCode(d.district).nameEn)).join('、')}；${t('unwatchedNote')}`,
    'data-days': trend.dates.length,
    'data-unwatched-days': unwatched.length,
  });
  const band = (date: string, i: number) => {
    const c = coverage[i];
    const label = c === null || c === 0 ? t('unwatched') : `${t('watched')} ${pct(c!)}`;
    return [{ xAxis: date, name: label, itemStyle: { color: c === null || c === 0 ? 'rgba(139,148,158,0.28)' : 'rgba(210,153,34,0.16)' } }, { xAxis: date }];
  };
  const draw = (): void =>
    void chartIn(chartEl).setOption(
      {
        backgroundColor: 'transparent',
        animation: false,
        grid: { left: 48, right: 16, top: 56, bottom: 32 },
        legend: { type: 'scroll', top: 0, textStyle: { color: '#c9d1d9' } },
        tooltip: {
          trigger: 'axis',
          valueFormatter: (v: number | null) => (v === null || v === undefined ? t('unwatched') : pct(v)),
        },
        xAxis: { type: 'category', data: trend.dates.map((d) => d.slice(5)), boundaryGap: false },
        yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
        series: trend.districts.map((d, k) => ({
          type: 'line',
          name: pick(districtByCode(d.district).nameZh, districtByCode(d.district).nameEn),
          showSymbol: trend.districts.length === 1,
          connectNulls: false,
          data: d.compliance,
          // The unwatched days once, on the first line: shaded bands across the plot, labelled at the top.
          ...(k === 0 && unwatched.length
            ? {
                markArea: {
                  silent: true,
                  label: { color: '#c9d1d9', fontSize: 11, position: 'insideTop' },
                  data: trend.dates.flatMap((date, i) => (unwatched.includes(date) ? [band(date.slice(5), i)] : [])),
                },
              }
            : {}),
        })),
      },
      true,
    );
  const el = h(
    'section',
    { class: 'panel', id: 'trend' },
    h('h2', {}, t('trend')),
    h('p', { class: 'muted' }, t('trendNote'), unwatched.length ? ` ${t('unwatchedDays')}: ${unwatched.map((d) => d.slice(5)).join('、')}` : ''),
    chartEl,
  );
  return { el, draw };
}
