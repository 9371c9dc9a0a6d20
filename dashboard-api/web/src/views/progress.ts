import type { BuildProgress } from '../../../build-progress.js';
import { api } from '../api.js';
import { chartIn } from '../charts.js';
import { h, mount } from '../dom.js';
import { pick, t } from '../i18n.js';
import type { View, ViewContext } from '../view.js';

export async function renderProgress({ root }: ViewContext): Promise<View> {
  const p = await api.get<BuildProgress>('/api/progress');
  const chartEl = h('div', { class: 'chart' });
  const years = p.districts[0]?.years.map((y) => y.year) ?? [];
  mount(
    root,
    p.city
      ? h(
          'section',
          { class: 'tiles' },
          p.city.years.map((y) =>
            h(
              'div',
              { class: 'tile' },
              h('h3', {}, `${t('cityTotal')} ${y.year}`),
              h('div', { class: 'big' }, h('span', { class: 'num' }, y.built), h('small', {}, ` / ${t('target')} ${y.target}`)),
            ),
          ),
        )
      : null,
    p.city && p.city.notes.length > 0
      ? h(
          'section',
          { class: 'panel', id: 'progress-notes' },
          p.city.notes.map((n) => h('p', {}, pick(n.zh, n.en))),
        )
      : null,
    h('section', { class: 'panel' }, chartEl),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, t('district')),
            years.map((y) => h('th', {}, `${y} ${t('built')} / ${t('target')}`)),
            h('th', {}, t('cumulative')),
          ),
        ),
        h(
          'tbody',
          {},
          p.districts.map((d) =>
            h(
              'tr',
              { 'data-district': d.code },
              h('td', {}, pick(d.nameZh, d.nameEn)),
              d.years.map((y) =>
                h('td', { 'data-year': y.year, class: y.target !== null && y.built < y.target ? 'bad' : '' }, `${y.built} / ${y.target ?? '—'}`),
              ),
              h('td', {}, d.years.at(-1)?.cumulative ?? 0),
            ),
          ),
        ),
      ),
    ),
  );
  chartIn(chartEl).setOption({
    backgroundColor: 'transparent',
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 32, bottom: 48 },
    xAxis: { type: 'category', data: p.districts.map((d) => pick(d.nameZh, d.nameEn)), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: 'value' },
    series: years.map((y, i) => ({ name: String(y), type: 'bar', stack: 'built', data: p.districts.map((d) => d.years[i]!.built) })),
  });
  return {};
}
