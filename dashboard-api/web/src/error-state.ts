import { ApiError } from './api.js';
import { h, mount } from './dom.js';
import { t } from './i18n.js';

/** What a view, or the part of one that reloads, shows instead of an empty or stale page; `retry` loads it again. */
export function errorState(e: unknown, retry: () => void): HTMLElement {
  const status = e instanceof ApiError ? e.status : null;
  // status 0: the request never got an answer; null: the page itself failed (a bug, not the network).
  const what = status === 403 ? t('forbidden') : status === 404 ? t('notFound') : status === 0 ? t('networkError') : t('loadFailed');
  const message = String((e as Error)?.message ?? e);
  return h(
    'section',
    { class: 'panel error-state', id: 'view-error', role: 'alert', 'data-status': status === 0 ? 'network' : (status ?? 'page') },
    h('h2', {}, what),
    h('p', { class: 'muted' }, status ? `${status}: ${message}` : message),
    h('button', { class: 'retry', onclick: retry }, t('retry')),
    ' ',
    h('a', { href: '#/overview' }, t('overview')),
  );
}

/**
 * An in-view reload (filter change, year or metric switch) with the same error state as a view
 * that cannot load. While the latest load has failed, `content` is hidden, so the previous
 * filter's rows never pass for the new one's; an answer to an older request than the latest is
 * dropped, so a slow first answer cannot overwrite a newer one.
 */
export function reloadable<T>(content: HTMLElement, fetch: () => Promise<T>, draw: (data: T) => void): { el: HTMLElement; load: () => Promise<void> } {
  const error = h('div', {});
  const el = h('div', { class: 'reloadable' }, error, content);
  let latest = 0;
  async function load(): Promise<void> {
    const mine = ++latest;
    try {
      const data = await fetch();
      if (mine !== latest) return;
      mount(error);
      content.hidden = false;
      draw(data);
    } catch (e) {
      if (mine !== latest) return;
      content.hidden = true;
      mount(error, errorState(e, () => void load()));
    }
  }
  return { el, load };
}
