import { districtByCode } from '../../../domain/districts.js';
import type { ComplianceTrend } from '../../routes/trend-routes.js';
import { chartIn } from './charts.js';
import { h } from './dom.js';
import { pct, pick, t } from './i18n.js';

// The last 30 complete days of open compliance per district (daily rollups, pooled time). Days the
// platform did not watch in full are shaded and labelled, and a district's day nobody watched is a
// gap in its line: never drawn as 0 (closed).

const DAY_MS = 86_400_000;
/** Local (Shanghai) midnight starting a date; not domain/schedule.ts, whose zod schemas would weigh on the first page. */
const midnightOfDate = (date: string): number => Date.parse(`${date}T00:00:00+08:00`);

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
    const none = c === null || c === 0;
    return [
      {
        xAxis: midnightOfDate(date),
        name: none ? t('unwatched') : `${t('watched')} ${pct(c!)}`,
        itemStyle: { color: none ? 'rgba(139,148,158,0.3)' : 'rgba(210,153,34,0.2)' },
      },
      { xAxis: midnightOfDate(date) + DAY_MS },
    ];
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
        xAxis: { type: 'time', min: midnightOfDate(trend.dates[0]!), max: midnightOfDate(trend.dates.at(-1)!) + DAY_MS },
        yAxis: {
          type: 'value',
          min: (v: { min: number }) => Math.max(0, Math.floor(v.min * 10) / 10 - 0.1),
          max: 1,
          axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` },
        },
        series: trend.districts.map((d, k) => ({
          type: 'line',
          name: pick(districtByCode(d.district).nameZh, districtByCode(d.district).nameEn),
          showSymbol: trend.districts.length === 1,
          connectNulls: false,
          // A point at each day's noon; a day without watched time is a gap.
          data: d.compliance.map((v, i) => [midnightOfDate(trend.dates[i]!) + DAY_MS / 2, v]),
          // The unwatched days once, on the first line: shaded bands across the plot, labelled at the top.
          ...(k === 0 && unwatched.length
            ? {
                markArea: {
                  silent: true,
                  label: { color: '#c9d1d9', fontSize: 11, position: 'insideTop' },
                  data: trend.dates.flatMap((date, i) => (unwatched.includes(date) ? [band(date, i)] : [])),
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
