import type { StationRow } from '../../../station-list.js';
import { api, type User } from '../api.js';
import { toGcj02 } from '../geo.js';
import { h } from '../dom.js';
import { pick, t, time } from '../i18n.js';
import { store, type Alert } from '../live.js';

const canAct = (user: User): boolean => user.role !== 'city-viewer';

/** The registry facts a card shows. */
export type CardStation = Pick<StationRow, 'name' | 'address' | 'contactName' | 'contactPhone' | 'location'>;

/** "2 h 05 min" / "2小时5分": how long an alert has been going. */
export function duration(ms: number): string {
  const min = Math.max(0, Math.floor(ms / 60_000));
  const hours = Math.floor(min / 60);
  const days = Math.floor(hours / 24);
  if (days) return pick(`${days}天${hours % 24}小时`, `${days} d ${hours % 24} h`);
  if (hours) return pick(`${hours}小时${min % 60}分`, `${hours} h ${String(min % 60).padStart(2, '0')} min`);
  return pick(`${min}分钟`, `${min} min`);
}

/** AMap's marker link: opens the AMap app on a phone (or its web page), GCJ-02 as AMap expects. */
export function amapLink(s: Pick<StationRow, 'name' | 'location'>): string {
  const [lon, lat] = toGcj02(s.location);
  return `https://uri.amap.com/marker?position=${lon.toFixed(6)},${lat.toFixed(6)}&name=${encodeURIComponent(s.name)}&coordinate=gaode&callnative=1`;
}

/**
 * One alert with what a maintainer on the road needs (address, call, navigate, how long, last
 * seen) and its actions: acknowledge and resolve are one tap each, with the note field's text
 * (acknowledging with no note says "on it"). The live store updates when the transition comes
 * back over the socket.
 */
export function alertCard(alert: Alert, user: User, station?: CardStation, now = Date.now()): HTMLElement {
  const noteId = `note-${alert.key.replace(/[^\w-]/g, '_')}`;
  const comment = h('input', { placeholder: t('comment'), class: 'comment', name: 'comment', id: noteId, maxlength: 500, 'aria-label': t('comment') });
  const error = h('span', { class: 'error', role: 'alert' });
  const act = async (path: string, body: unknown): Promise<void> => {
    error.textContent = '';
    try {
      const updated = await api.send<Alert>('POST', `/api/alerts/${encodeURIComponent(alert.key)}/${path}`, body);
      if (updated.state === 'resolved') store.alerts.delete(updated.key);
      else store.alerts.set(updated.key, updated);
      card.replaceWith(alertCard(updated, user, station));
    } catch (e) {
      error.textContent = (e as Error).message;
    }
  };
  const note = (): string => comment.value.trim();
  const open = alert.state !== 'resolved';
  const card = h(
    'article',
    { class: `alert-card ${alert.severity} ${alert.state}`, 'data-alert': alert.key, 'data-state': alert.state },
    h(
      'div',
      { class: 'alert-head' },
      h('span', { class: `sev ${alert.severity}` }, t(alert.severity)),
      h('a', { href: `#/station/${alert.stationId}` }, alert.stationId, station ? ` ${station.name}` : ''),
      h('strong', {}, pick(alert.summaryZh, alert.summaryEn)),
      h('span', { class: 'alert-state' }, t(alert.state)),
    ),
    station
      ? h(
          'div',
          { class: 'alert-where' },
          h('span', { class: 'address' }, station.address),
          h(
            'a',
            { class: 'tel button', href: `tel:${station.contactPhone.replace(/-/g, '')}` },
            `☎ ${t('call')} ${station.contactName} ${station.contactPhone}`,
          ),
          h('a', { class: 'nav button', href: amapLink(station), target: '_blank', rel: 'noopener' }, `➤ ${t('navigate')}`),
        )
      : null,
    h(
      'div',
      { class: 'muted' },
      open ? h('span', { class: 'firing-for' }, `${t('firingFor')} ${duration(now - alert.firstSeen)}`) : null,
      ` · ${t('since')} ${time(alert.firstSeen)} · ${t('lastSeen')} ${time(alert.lastSeen)}`,
      alert.acknowledgedBy ? ` · ${t('acknowledged')}: ${alert.acknowledgedBy}${alert.ackComment ? ` “${alert.ackComment}”` : ''}` : '',
      alert.resolvedBy ? ` · ${t('resolved')}: ${alert.resolvedBy}${alert.resolveComment ? ` “${alert.resolveComment}”` : ''}` : '',
    ),
    canAct(user) && open
      ? h(
          'div',
          { class: 'alert-actions' },
          comment,
          alert.state === 'firing'
            ? h('button', { type: 'button', class: 'ack', onclick: () => void act('acknowledge', { comment: note() || t('ackDefault') }) }, t('acknowledge'))
            : null,
          h('button', { type: 'button', class: 'resolve', onclick: () => void act('resolve', note() ? { comment: note() } : {}) }, t('resolve')),
          error,
        )
      : null,
  );
  return card;
}
