import { DISTRICTS } from '../../../../domain/districts.js';
import { RULES } from '../../../../rules/catalog.js';
import { api } from '../api.js';
import { h, mount } from '../dom.js';
import { actionErrors } from '../error-state.js';
import { pick, t, time } from '../i18n.js';
import type { Alert } from '../live.js';
import type { View, ViewContext } from '../view.js';
import { pagedTable } from '../paged-table.js';

// Alert history: every alert the service still holds, filtered by district, severity, type,
// state and start date, one page at a time, and the same selection as CSV.

const ruleName = (id: string): string => {
  const r = RULES.find((x) => x.id === id);
  return r ? pick(r.descriptionZh, r.descriptionEn) : id;
};

export async function renderHistory({ root, user }: ViewContext): Promise<View> {
  const filters: Record<string, string> = { district: user.district ?? '', severity: '', rule: '', state: '', from: '', to: '' };
  const selection = (): URLSearchParams => new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''));
  const list = pagedTable<Alert>({
    id: 'history-rows',
    countId: 'history-count',
    pageSize: 50,
    fetch: async (qs) => {
      for (const [k, v] of selection()) qs.set(k, v);
      qs.delete('sort');
      qs.delete('order');
      const r = await api.get<{ total: number; alerts: Alert[] }>(`/api/alert-history?${qs}`);
      return { total: r.total, rows: r.alerts };
    },
    rowAttrs: (a) => ({ 'data-alert': a.key, 'data-state': a.state }),
    columns: [
      { label: t('since'), cell: (a) => time(a.firstSeen) },
      { label: t('station'), cell: (a) => h('a', { href: `#/station/${a.stationId}` }, a.stationId) },
      { label: t('type'), cell: (a) => ruleName(a.ruleId) },
      { label: t('severity'), cell: (a) => h('span', { class: `sev ${a.severity}` }, t(a.severity)) },
      { label: t('state'), cell: (a) => t(a.state) },
      { label: t('comment'), cell: (a) => pick(a.summaryZh, a.summaryEn) },
      {
        label: t('by'),
        cell: (a) =>
          [
            a.acknowledgedBy ? `${t('acknowledged')}: ${a.acknowledgedBy}${a.ackComment ? ` “${a.ackComment}”` : ''}` : '',
            a.resolvedBy ? ` ${t('resolved')}: ${a.resolvedBy} ${time(a.resolvedAt)}${a.resolveComment ? ` “${a.resolveComment}”` : ''}` : '',
          ].join('') || '—',
      },
    ],
  });
  const control = (key: string, label: string, el: HTMLSelectElement | HTMLInputElement): HTMLElement => {
    el.name = key;
    el.addEventListener('change', () => ((filters[key] = el.value), void list.load(true)));
    return h('label', {}, `${label} `, el);
  };
  const select = (options: Array<[string, string]>): HTMLSelectElement =>
    h(
      'select',
      {},
      options.map(([v, l]) => h('option', { value: v, selected: v === '' }, l)),
    );
  const exports = actionErrors('export-error', 'exportFailed');
  mount(
    root,
    h('h2', {}, t('alertHistory')),
    h(
      'section',
      { class: 'filters' },
      user.district
        ? null
        : control('district', t('district'), select([['', t('all')], ...DISTRICTS.map((d): [string, string] => [d.code, pick(d.nameZh, d.nameEn)])])),
      control(
        'severity',
        t('severity'),
        select([['', t('all')], ...(['critical', 'major', 'minor', 'info'] as const).map((s): [string, string] => [s, t(s)])]),
      ),
      control('rule', t('type'), select([['', t('allTypes')], ...RULES.map((r): [string, string] => [r.id, pick(r.descriptionZh, r.descriptionEn)])])),
      control('state', t('state'), select([['', t('all')], ...(['firing', 'acknowledged', 'resolved'] as const).map((s): [string, string] => [s, t(s)])])),
      control('from', t('from'), h('input', { type: 'date' })),
      control('to', t('to'), h('input', { type: 'date' })),
      h(
        'button',
        { type: 'button', id: 'history-csv', onclick: exports.run(() => api.download(`/api/alert-history?${selection()}&format=csv`, 'alerts.csv')) },
        t('exportCsv'),
      ),
      exports.el,
    ),
    list.el,
  );
  await list.load(true);
  return {};
}
