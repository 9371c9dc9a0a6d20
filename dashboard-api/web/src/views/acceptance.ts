import { PLAN_YEARS } from '../../../../domain/districts.js';
import type { AcceptanceForm } from '../../../../rules/acceptance-form.js';
import { api } from '../api.js';
import { h, mount } from '../dom.js';
import { actionErrors, reloadable } from '../error-state.js';
import { pick, t, time } from '../i18n.js';
import type { View, ViewContext } from '../view.js';
import { acceptanceCycle } from './acceptance-cycle.js';
import { districtPicker } from './district-picker.js';

type Form = AcceptanceForm;

export async function renderAcceptance({ root, user, args }: ViewContext): Promise<View> {
  let district = user.district ?? args[0] ?? 'SN';
  // Forms exist from the first plan year to the current one (the server says 400 for a year without stations).
  const thisYear = new Date().getFullYear();
  const years = Array.from({ length: Math.max(1, thisYear - PLAN_YEARS[0] + 1) }, (_, i) => PLAN_YEARS[0] + i);
  let year: number = years.at(-1)!;
  const formEl = h('section', { class: 'panel', id: 'acceptance-form' });
  const path = (): string => `/api/acceptance/${district}?year=${year}`;
  const { el, load, update } = reloadable(formEl, () => api.get<Form>(path()), draw);
  const yearSel = h(
    'select',
    { name: 'year', 'aria-label': t('year'), onchange: () => ((year = Number(yearSel.value)), void load()) },
    years.map((y) => h('option', { value: String(y), selected: y === year }, String(y))),
  );
  const exports = actionErrors('export-error', 'exportFailed');
  const cycle = acceptanceCycle(user);
  mount(
    root,
    h(
      'section',
      { class: 'filters' },
      districtPicker(user, district, false, (d) => ((district = d), void load())),
      yearSel,
      h('button', { onclick: exports.run(() => api.download(`${path()}&format=csv`, `acceptance-${district}-${year}.csv`)) }, t('exportCsv')),
      h('button', { onclick: exports.run(() => api.openHtml(`${path()}&format=html`)) }, t('print')),
      exports.el,
    ),
    el,
    cycle.el,
  );

  const editable = user.role === 'city-admin';
  function draw(f: Form): void {
    // The cycle panel follows the form shown; its own failure leaves the form in place.
    void cycle.load(f.district, f.year).catch(() => mount(cycle.el));
    mount(
      formEl,
      h('h2', {}, `${pick(f.nameZh, f.nameEn)} ${f.year} — ${t('total')} ${f.total} / ${f.max}`),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'form' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['#', t('acceptance'), t('max'), t('score'), t('evidence')].map((c) => h('th', {}, c)),
            ),
          ),
          h(
            'tbody',
            {},
            f.items.map((i) => {
              const score = h('input', {
                type: 'number',
                min: 0,
                max: i.manualMax,
                step: 0.5,
                value: i.score ?? '',
                class: 'score',
                name: `score-${i.no}`,
                'aria-label': `${t('score')} ${i.no}`,
              });
              const note = h('input', { value: i.note ?? '', placeholder: t('note'), name: `note-${i.no}`, 'aria-label': `${t('note')} ${i.no}` });
              const err = h('span', { class: 'error' });
              const save = async (): Promise<void> => {
                // An empty field is not a score: Number('') would record 0 points.
                if (score.value.trim() === '') {
                  err.textContent = t('scoreRequired');
                  return score.focus();
                }
                err.textContent = '';
                try {
                  // The item of the form shown (f), not of a district or year picked since; its answer is drawn only while that form is still the one shown.
                  await update(() =>
                    api.send<Form>('PUT', `/api/acceptance/${f.district}/items/${i.no}?year=${f.year}`, { score: Number(score.value), note: note.value }),
                  );
                } catch (e) {
                  err.textContent = (e as Error).message;
                }
              };
              return h(
                'tr',
                { 'data-item': i.no, 'data-auto': i.auto },
                h('td', {}, i.no),
                h('td', {}, h('small', { class: 'muted' }, pick(i.sectionZh, i.sectionEn)), h('br'), pick(i.textZh, i.textEn)),
                h('td', {}, i.max),
                h(
                  'td',
                  {},
                  i.auto || !editable ? (i.score ?? '—') : score,
                  h('br'),
                  h('small', { class: 'muted' }, i.auto ? t('auto') : i.manualMax < i.max ? `${t('manual')} ≤ ${i.manualMax}` : t('manual')),
                ),
                h(
                  'td',
                  {},
                  i.parts.length > 1
                    ? i.parts.map((p) =>
                        h(
                          'div',
                          { class: 'part', 'data-auto': p.auto },
                          h('strong', {}, `${pick(p.textZh, p.textEn)} ${p.score ?? '—'}/${p.max}（${p.auto ? t('auto') : t('manual')}）`),
                          (pick('zh', 'en') === 'zh' ? p.evidenceZh : p.evidenceEn).map((e) => h('div', {}, e)),
                        ),
                      )
                    : (pick('zh', 'en') === 'zh' ? i.evidenceZh : i.evidenceEn).map((e) => h('div', {}, e)),
                  !i.auto && editable
                    ? h('div', {}, note, h('button', { onclick: () => void save() }, t('save')), err)
                    : i.note
                      ? h('div', {}, `${t('note')}: ${i.note}`)
                      : null,
                  i.by ? h('div', { class: 'muted' }, `${i.by} ${time(i.at)}`) : null,
                ),
              );
            }),
          ),
        ),
      ),
    );
  }
  await load();
  return {};
}
