import { h, mount } from '../dom.js';
import { pick, t, time } from '../i18n.js';
import { store } from '../live.js';
import type { View, ViewContext } from '../main.js';
import { alertCard } from './alert-card.js';

const RANK = { critical: 0, major: 1, minor: 2, info: 3 } as const;

export function renderAlerts({ root, user }: ViewContext): View {
  const active = h('section', { class: 'alert-list', id: 'alert-list' });
  const feed = h('ol', { class: 'feed', id: 'alert-feed' });
  mount(root, h('div', { class: 'two-col' }, h('section', {}, h('h2', {}, t('activeAlerts')), active), h('section', {}, h('h2', {}, t('live')), feed)));
  let shown: string | null = null;
  return {
    refresh() {
      const alerts = [...store.alerts.values()].sort((a, b) => RANK[a.severity] - RANK[b.severity] || b.lastSeen - a.lastSeen);
      // Redraw only when the set changed, so a half-typed comment is not wiped by unrelated events.
      const signature = alerts.map((a) => `${a.key}:${a.state}`).join();
      if (signature !== shown) {
        shown = signature;
        mount(active, alerts.length ? alerts.map((a) => alertCard(a, user)) : h('p', { class: 'muted' }, t('noAlerts')));
      }
      mount(
        feed,
        store.recent.slice(0, 30).map((tr) => h('li', {}, h('span', { class: 'muted' }, time(tr.at)), ' ', h('span', { class: `sev ${tr.alert.severity}` }, t(tr.alert.severity)), ` ${tr.alert.stationId} ${pick(tr.alert.summaryZh, tr.alert.summaryEn)} → ${t(tr.to as 'firing')}`)),
      );
    },
  };
}
