import { api } from '../api.js';
import { h, mount } from '../dom.js';
import { reloadable } from '../error-state.js';
import { pick, t, time } from '../i18n.js';
import { store, type Alert } from '../live.js';
import { stationDirectory } from '../station-directory.js';
import type { View, ViewContext } from '../view.js';
import { alertCard } from './alert-card.js';

const RANK = { critical: 0, major: 1, minor: 2, info: 3 } as const;

export async function renderAlerts({ root, user }: ViewContext): Promise<View> {
  const directory = await stationDirectory();
  const active = h('section', { class: 'alert-list', id: 'alert-list' });
  const feed = h('ol', { class: 'feed', id: 'alert-feed', 'aria-live': 'polite' });
  // The socket only carries open alerts; what was resolved comes from the API, reloaded when the open set changes.
  const resolvedList = h('section', { class: 'alert-list', id: 'resolved-list' });
  // Until something happens live, the panel lists the latest alert events from the history, so it is not blank.
  const earlier = (await api.get<{ alerts: Alert[] }>('/api/alert-history?limit=15')).alerts;
  const resolved = reloadable(
    resolvedList,
    () => api.get<Alert[]>('/api/alerts?state=resolved&limit=20'),
    (list) => mount(resolvedList, list.length ? list.map((a) => alertCard(a, user, directory.get(a.stationId))) : h('p', { class: 'muted' }, t('noAlerts'))),
  );
  mount(
    root,
    h(
      'div',
      { class: 'two-col' },
      h(
        'section',
        {},
        h('h2', {}, t('activeAlerts')),
        active,
        h('h2', {}, t('recentlyResolved')),
        resolved.el,
        h('p', {}, h('a', { href: '#/history', id: 'to-history' }, `${t('alertHistory')} →`)),
      ),
      h('section', {}, h('h2', {}, `${t('live')} `, h('small', { class: 'muted' }, t('liveNote'))), feed),
    ),
  );
  let shown: string | null = null;
  let minute = 0;
  return {
    refresh() {
      const alerts = [...store.alerts.values()].sort((a, b) => RANK[a.severity] - RANK[b.severity] || b.lastSeen - a.lastSeen);
      // Redraw when the set changed or a minute passed (the "firing for" times), never while a note is being typed.
      const signature = alerts.map((a) => `${a.key}:${a.state}`).join();
      const typing = active.contains(document.activeElement) && (document.activeElement as HTMLInputElement).value;
      const now = Math.floor(Date.now() / 60_000);
      if (signature !== shown || (now !== minute && !typing)) {
        if (signature !== shown) void resolved.load();
        shown = signature;
        minute = now;
        mount(active, alerts.length ? alerts.map((a) => alertCard(a, user, directory.get(a.stationId))) : h('p', { class: 'muted' }, t('noAlerts')));
      }
      const line = (at: number, a: Alert, to: string, live: boolean): HTMLElement =>
        h(
          'li',
          { 'data-to': to, class: live ? 'live-event' : 'earlier-event' },
          h('span', { class: 'muted' }, time(at)),
          ' ',
          h('span', { class: `sev ${a.severity}` }, t(a.severity)),
          ' ',
          h('a', { href: `#/station/${a.stationId}` }, a.stationId),
          ` ${directory.get(a.stationId)?.name ?? ''} ${pick(a.summaryZh, a.summaryEn)} → ${t(to as 'firing')}`,
        );
      mount(
        feed,
        store.recent.length ? store.recent.slice(0, 30).map((tr) => line(tr.at, tr.alert, tr.to, true)) : h('li', { class: 'muted' }, t('liveEmpty')),
        earlier.length
          ? [h('li', { class: 'muted feed-earlier' }, t('earlierEvents')), ...earlier.map((a) => line(a.resolvedAt ?? a.firstSeen, a, a.state, false))]
          : null,
      );
    },
  };
}
