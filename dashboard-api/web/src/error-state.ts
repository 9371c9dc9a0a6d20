import { ApiError } from './api.js';
import { h, mount } from './dom.js';
import { t, type Key } from './i18n.js';

/** How a failed request is told: its status (0 = never answered, null = a bug of the page), the cause in the current language where there is one, and the detail. */
function describe(e: unknown): { status: number | null; dataStatus: string; cause: string | null; detail: string } {
  const status = e instanceof ApiError ? e.status : null;
  const cause = status === 403 ? t('forbidden') : status === 404 ? t('notFound') : status === 0 ? t('networkError') : null;
  const message = String((e as Error)?.message ?? e);
  return { status, dataStatus: status === 0 ? 'network' : String(status ?? 'page'), cause, detail: status ? `${status}: ${message}` : message };
}

/** What a view, or the part of one that reloads, shows instead of an empty or stale page; `retry` loads it again. */
export function errorState(e: unknown, retry: () => void): HTMLElement {
  const { dataStatus, cause, detail } = describe(e);
  return h(
    'section',
    { class: 'panel error-state', id: 'view-error', role: 'alert', 'data-status': dataStatus },
    h('h2', {}, cause ?? t('loadFailed')),
    h('p', { class: 'muted' }, detail),
    h('button', { class: 'retry', onclick: retry }, t('retry')),
    ' ',
    h('a', { href: '#/overview' }, t('overview')),
  );
}

/**
 * One-off requests started by a button (the exports, the printable page), told like a failed load
 * instead of an unhandled rejection and nothing on screen. `run(act)` is the button's click
 * handler: the button is disabled while `act` runs, and if it fails `el` (put it next to the
 * buttons) says so with the cause; the next click clears it.
 */
export function actionErrors(id: string, failed: Key): { el: HTMLElement; run: (act: () => Promise<unknown>) => (ev: Event) => void } {
  const el = h('span', { class: 'error action-error', id, role: 'alert' });
  const run =
    (act: () => Promise<unknown>) =>
    (ev: Event): void => {
      const button = ev.currentTarget instanceof HTMLButtonElement ? ev.currentTarget : null;
      if (button) button.disabled = true;
      el.removeAttribute('data-status');
      mount(el);
      void (async () => {
        try {
          await act();
        } catch (e) {
          const { dataStatus, cause, detail } = describe(e);
          el.setAttribute('data-status', dataStatus);
          mount(el, `${t(failed)}: ${cause ? `${cause} (${detail})` : detail}`);
        } finally {
          if (button) button.disabled = false;
        }
      })();
    };
  return { el, run };
}

/**
 * An in-view reload (filter change, year or metric switch) with the same error state as a view
 * that cannot load. While the latest load has failed, `content` is hidden, so the previous
 * filter's rows never pass for the new one's; an answer to an older request than the latest is
 * dropped, so a slow first answer cannot overwrite a newer one.
 *
 * `update(send)` is a write whose answer is the new content (saving a form item): it follows the
 * same rule, so its answer is drawn only if it is still the latest request and the content it was
 * made on is still the one shown — a save that answers after the user switched district, or
 * while that switch was loading, is not drawn over the other district. It resolves whether the
 * answer was drawn; a failure is left to the caller (it is not a failed load).
 */
export function reloadable<T>(
  content: HTMLElement,
  fetch: () => Promise<T>,
  draw: (data: T) => void,
): { el: HTMLElement; load: () => Promise<void>; update: (send: () => Promise<T>) => Promise<boolean> } {
  const error = h('div', {});
  const el = h('div', { class: 'reloadable' }, error, content);
  /** The newest request (load or update), the newest load, and the load whose answer is shown. */
  let latest = 0;
  let loaded = 0;
  let shown = 0;
  async function load(): Promise<void> {
    const mine = ++latest;
    loaded = mine;
    try {
      const data = await fetch();
      if (mine !== latest) return;
      mount(error);
      content.hidden = false;
      shown = mine;
      draw(data);
    } catch (e) {
      if (mine !== latest) return;
      content.hidden = true;
      mount(
        error,
        errorState(e, () => void load()),
      );
    }
  }
  async function update(send: () => Promise<T>): Promise<boolean> {
    const current = shown === loaded;
    const base = loaded;
    const mine = ++latest;
    const data = await send();
    if (!current || loaded !== base || mine !== latest) return false;
    draw(data);
    return true;
  }
  return { el, load, update };
}
