import { api } from '../api.js';
import { h, mount } from '../dom.js';
import { reloadable } from '../error-state.js';
import { pick, t, time } from '../i18n.js';
import { store, type Alert } from '../live.js';
import type { View, ViewContext } from '../view.js';
import { alertCard } from './alert-card.js';

const RANK = { critical: 0, major: 1, minor: 2, info: 3 } as const;

export function renderAlerts({ root, user }: ViewContext): View {
  const active = h('section', { class: 'alert-list', id: 'alert-list' });
  const feed = h('ol', { class: 'feed', id: 'alert-feed' });
  // The socket only carries open alerts; what was resolved comes from the API, reloaded when the open set changes.
  const resolvedList = h('section', { class: 'alert-list', id: 'resolved-list' });
  const resolved = reloadable(
    resolvedList,
    () => api.get<Alert[]>('/api/alerts?state=resolved&limit=20'),
    (list) => mount(resolvedList, list.length ? list.map((a) => alertCard(a, user)) : h('p', { class: 'muted' }, t('noAlerts'))),
  );
  mount(
    root,
    h(
      'div',
      { class: 'two-col' },
      h('section', {}, h('h2', {}, t('activeAlerts')), active, h('h2', {}, t('recentlyResolved')), resolved.el),
      h('section', {}, h('h2', {}, t('live')), feed),
    ),
  );
  let shown: string | null = null;
  return {
    refresh() {
      const alerts = [...store.alerts.values()].sort((a, b) => RANK[a.severity] - RANK[b.severity] || b.lastSeen - a.lastSeen);
      // Redraw only when the set changed, so a half-typed comment is not wiped by unrelated events.
      const signature = alerts.map((a) => `${a.key}:${a.state}`).join();
      if (signature !== shown) {
        shown = signature;
        mount(active, alerts.length ? alerts.map((a) => alertCard(a, user)) : h('p', { class: 'muted' }, t('noAlerts')));
        void resolved.load();
      }
      mount(
        feed,
        store.recent.slice(0, 30).map((tr) => h('li', {}, h('span', { class: 'muted' }, time(tr.at)), ' ', h('span', { class: `sev ${tr.alert.severity}` }, t(tr.alert.severity)), ` ${tr.alert.stationId} ${pick(tr.alert.summaryZh, tr.alert.summaryEn)} → ${t(tr.to as 'firing')}`)),
      );
    },
  };
}
