import { api, setToken, token, whenUnauthorized, type User } from './api.js';
import { h, mount } from './dom.js';
import { errorState } from './error-state.js';
import { lang, setLang, t, type Key } from './i18n.js';
import { connectLive, disconnectLive, onChange, store } from './live.js';
import type { View, ViewContext } from './view.js';
import { renderLogin } from './views/login.js';

// Hash routes: #/overview, #/stations, #/station/SN-0001, #/alerts, #/compliance, #/acceptance/SN, #/progress, #/history, #/report, #/requests.

// Each view is its own chunk, loaded when first shown, so the first page carries only what it draws.
const ROUTES: Record<string, { label: Key; render: (ctx: ViewContext) => Promise<View> }> = {
  overview: { label: 'overview', render: async (c) => (await import('./views/overview.js')).renderOverview(c) },
  stations: { label: 'stations', render: async (c) => (await import('./views/stations.js')).renderStations(c) },
  station: { label: 'stations', render: async (c) => (await import('./views/station.js')).renderStation(c) },
  alerts: { label: 'alerts', render: async (c) => (await import('./views/alerts.js')).renderAlerts(c) },
  history: { label: 'alertHistory', render: async (c) => (await import('./views/history.js')).renderHistory(c) },
  compliance: { label: 'compliance', render: async (c) => (await import('./views/compliance.js')).renderCompliance(c) },
  acceptance: { label: 'acceptance', render: async (c) => (await import('./views/acceptance.js')).renderAcceptance(c) },
  progress: { label: 'progress', render: async (c) => (await import('./views/progress.js')).renderProgress(c) },
  report: { label: 'monthlyReport', render: async (c) => (await import('./views/report.js')).renderReport(c) },
  requests: { label: 'scheduleRequests', render: async (c) => (await import('./views/schedule-requests.js')).renderScheduleRequests(c) },
};
const MENU = ['overview', 'stations', 'alerts', 'history', 'compliance', 'acceptance', 'progress', 'report', 'requests'];

const app = document.getElementById('app')!;
let user: User | null = null;
let current: View | null = null;
/** Bumped on every route: a view that finishes loading after the user moved on is disposed, not shown. */
let routed = 0;

async function start(): Promise<void> {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  whenUnauthorized(logout);
  if (token()) {
    try {
      user = await api.get<User>('/api/auth/me');
    } catch {
      setToken(null);
    }
  }
  if (!user) {
    renderLogin(app, async (u, tk) => {
      setToken(tk);
      user = u;
      await boot();
    });
    return;
  }
  await boot();
}

async function boot(): Promise<void> {
  connectLive(token()!, logout);
  window.addEventListener('hashchange', () => void route());
  onChange(() => {
    updateStatus();
    current?.refresh?.();
  });
  await route();
}

function logout(): void {
  setToken(null);
  disconnectLive();
  location.hash = '';
  location.reload();
}

const statusEl = h('span', { class: 'status', id: 'live-status' });
function updateStatus(): void {
  statusEl.textContent = store.connected ? `● ${t('connected')}` : `○ ${t('disconnected')}`;
  statusEl.className = `status ${store.connected ? 'ok' : 'bad'}`;
  const badge = document.getElementById('alert-badge');
  if (badge) badge.textContent = String([...store.alerts.values()].filter((a) => a.state === 'firing').length || '');
}

async function route(): Promise<void> {
  const [name = 'overview', ...args] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const r = ROUTES[name] ?? ROUTES.overview!;
  const mine = ++routed;
  current?.dispose?.();
  current = null;
  const main = h('main', { id: 'view' });
  const who = user!.district ? `${user!.displayName} · ${user!.district}` : user!.displayName;
  mount(
    app,
    h(
      'header',
      {},
      h('h1', {}, t('title')),
      h(
        'nav',
        {},
        MENU.map((m) =>
          h(
            'a',
            { href: `#/${m}`, class: ROUTES[m] === r ? 'active' : '', id: `nav-${m}` },
            t(ROUTES[m]!.label),
            m === 'alerts' ? h('span', { class: 'badge', id: 'alert-badge' }) : null,
          ),
        ),
      ),
      h(
        'div',
        { class: 'who' },
        statusEl,
        h('span', { id: 'whoami' }, who),
        h('button', { class: 'link', id: 'lang-toggle', onclick: () => (setLang(lang === 'zh' ? 'en' : 'zh'), void route()) }, t('lang')),
        h('button', { class: 'link', onclick: logout }, t('logout')),
      ),
    ),
    main,
  );
  updateStatus();
  try {
    const view = await r.render({ user: user!, root: main, args });
    if (mine !== routed) return view.dispose?.();
    current = view;
    current.refresh?.();
  } catch (e) {
    if (mine === routed)
      mount(
        main,
        errorState(e, () => void route()),
      );
  }
}

void start();
