import { api, type User } from '../api.js';
import { h } from '../dom.js';
import { pick, t, time } from '../i18n.js';
import { store, type Alert } from '../live.js';

const canAct = (user: User): boolean => user.role !== 'city-viewer';

/** One alert with its actions; the live store updates when the transition comes back over the socket. */
export function alertCard(alert: Alert, user: User): HTMLElement {
  const comment = h('input', { placeholder: t('comment'), class: 'comment', name: 'comment', maxlength: 500 });
  const error = h('span', { class: 'error' });
  const act = async (path: string, body: unknown): Promise<void> => {
    error.textContent = '';
    try {
      const updated = await api.send<Alert>('POST', `/api/alerts/${encodeURIComponent(alert.key)}/${path}`, body);
      if (updated.state === 'resolved') store.alerts.delete(updated.key);
      else store.alerts.set(updated.key, updated);
      card.replaceWith(alertCard(updated, user));
    } catch (e) {
      error.textContent = (e as Error).message;
    }
  };
  const card = h(
    'div',
    { class: `alert-card ${alert.severity} ${alert.state}`, 'data-alert': alert.key, 'data-state': alert.state },
    h(
      'div',
      { class: 'alert-head' },
      h('span', { class: `sev ${alert.severity}` }, t(alert.severity)),
      h('a', { href: `#/station/${alert.stationId}` }, alert.stationId),
      h('strong', {}, pick(alert.summaryZh, alert.summaryEn)),
      h('span', { class: 'alert-state' }, t(alert.state)),
    ),
    h(
      'div',
      { class: 'muted' },
      `${t('since')} ${time(alert.firstSeen)}`,
      alert.acknowledgedBy ? ` · ${t('acknowledged')}: ${alert.acknowledgedBy}${alert.ackComment ? ` “${alert.ackComment}”` : ''}` : '',
      alert.resolvedBy ? ` · ${t('resolved')}: ${alert.resolvedBy}${alert.resolveComment ? ` “${alert.resolveComment}”` : ''}` : '',
    ),
    canAct(user) && alert.state !== 'resolved'
      ? h(
          'div',
          { class: 'alert-actions' },
          alert.state === 'firing' ? comment : null,
          alert.state === 'firing'
            ? h('button', { class: 'ack', onclick: () => (comment.value.trim() ? void act('acknowledge', { comment: comment.value.trim() }) : comment.focus()) }, t('acknowledge'))
            : null,
          h('button', { class: 'resolve', onclick: () => void act('resolve', comment.value.trim() ? { comment: comment.value.trim() } : {}) }, t('resolve')),
          error,
        )
      : null,
  );
  return card;
}
