import { api, type User } from '../api.js';
import { h, mount } from '../dom.js';
import { lang, setLang, t } from '../i18n.js';

export function renderLogin(root: HTMLElement, done: (user: User, token: string) => Promise<void>): void {
  const error = h('p', { class: 'error', id: 'login-error' });
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    {
      class: 'login',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        error.textContent = '';
        try {
          const r = await api.send<{ token: string; user: User }>('POST', '/api/auth/login', { username: username.value.trim(), password: password.value });
          await done(r.user, r.token);
        } catch (e) {
          error.textContent = `${t('loginFailed')}: ${(e as Error).message}`;
        }
      },
    },
    h('h1', {}, t('title')),
    h('label', {}, t('username'), username),
    h('label', {}, t('password'), password),
    h('button', { type: 'submit', id: 'login-submit' }, t('login')),
    error,
    h('button', { type: 'button', class: 'link', onclick: () => (setLang(lang === 'zh' ? 'en' : 'zh'), renderLogin(root, done)) }, t('lang')),
  );
  mount(root, form);
}
