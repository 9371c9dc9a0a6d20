import type { MonthlyReport } from '../../../monthly-report.js';
import { api } from '../api.js';
import { h, mount } from '../dom.js';
import { actionErrors, reloadable } from '../error-state.js';
import { pct, pick, t } from '../i18n.js';
import type { View, ViewContext } from '../view.js';

// The monthly report city staff send upward: districts ranked, usage, build progress notes; CSV and printable HTML.

export async function renderReport({ root }: ViewContext): Promise<View> {
  const last = new Date();
  last.setDate(0);
  let month = `${last.getFullYear()}-${String(last.getMonth() + 1).padStart(2, '0')}`;
  const body = h('section', { class: 'panel', id: 'monthly-report' });
  const path = (): string => `/api/reports/monthly?month=${month}`;
  const { el, load } = reloadable(body, () => api.get<MonthlyReport>(path()), draw);
  const picker = h('input', {
    type: 'month',
    name: 'month',
    value: month,
    'aria-label': t('month'),
    onchange: () => ((month = picker.value || month), void load()),
  });
  const exports = actionErrors('export-error', 'exportFailed');
  mount(
    root,
    h(
      'section',
      { class: 'filters' },
      picker,
      h('button', { onclick: exports.run(() => api.download(`${path()}&format=csv`, `monthly-report-${month}.csv`)) }, t('exportCsv')),
      h('button', { onclick: exports.run(() => api.openHtml(`${path()}&format=html`)) }, t('print')),
      exports.el,
    ),
    el,
  );
  function draw(r: MonthlyReport): void {
    const head = [
      t('rank'),
      t('district'),
      t('compliance'),
      t('coverage'),
      t('failing'),
      t('facility'),
      t('visits'),
      t('peakPeople'),
      t('speakerWakeups'),
      t('speakerQueries'),
    ];
    mount(
      body,
      h('h2', {}, `${t('monthlyReport')} ${r.month}`),
      h('p', { class: 'muted' }, pick(r.rankingZh, r.rankingEn)),
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
              head.map((c) => h('th', {}, c)),
            ),
          ),
          h(
            'tbody',
            {},
            r.districts.map((d) =>
              h(
                'tr',
                { 'data-district': d.district },
                [
                  d.rank,
                  pick(d.nameZh, d.nameEn),
                  pct(d.compliance),
                  pct(d.coverage),
                  `${d.failing}/${d.stations}`,
                  d.facilityPercent === null ? '—' : `${d.facilityPercent}%`,
                  d.visits,
                  d.peakPeople ?? '—',
                  d.speakerWakeups,
                  d.speakerQueries,
                ].map((c) => h('td', {}, c)),
              ),
            ),
          ),
        ),
      ),
      r.notes.map((n) => h('p', {}, pick(n.zh, n.en))),
    );
  }
  await load();
  return {};
}
