// The shell: login, routing between pages, and the 3-second polling of the visible page.
import { api, auth, UnauthorizedError } from './api.js';
import { refreshRelativeTimes, absTime } from './format.js';
import * as dashboard from './pages/dashboard.js';
import * as nodes from './pages/nodes.js';
import * as subagents from './pages/subagents.js';

const POLL_MS = 3000;
// The Nodes page is /node: the gateway's auth filter treats the exact path /nodes as an API path, so a reload there
// would get a 401 JSON body instead of this shell. In-app links to /nodes are rewritten to /node.
const ROUTES = { '/': dashboard, '/nodes': nodes, '/subagents': subagents };
const ALIASES = { '/node': '/nodes' };

const $ = (id) => document.getElementById(id);
const el = {
  login: $('login'),
  loginForm: $('login-form'),
  tokenInput: $('token-input'),
  loginError: $('login-error'),
  loginInfo: $('login-info'),
  loginSubmit: $('login-submit'),
  shell: $('shell'),
  page: $('page'),
  live: $('live'),
  liveText: $('live-text'),
  banner: $('banner'),
  version: $('version'),
  logout: $('logout'),
};

let current = null; // the mounted page: {el, refresh(), destroy?()}
let generation = 0; // bumps on every navigation or sign-out; stale polls stop themselves
let timer = 0;

// ---------- login ----------

function showLogin({ error, info } = {}) {
  stopPage();
  el.shell.hidden = true;
  el.login.hidden = false;
  el.loginError.hidden = !error;
  el.loginError.textContent = error || '';
  el.loginInfo.hidden = !info;
  el.loginInfo.textContent = info || '';
  el.tokenInput.value = '';
  el.tokenInput.setAttribute('aria-invalid', error ? 'true' : 'false');
  el.tokenInput.focus();
}

const WRONG_TOKEN = 'Wrong token: the gateway refused it (401). Check the token and try again.';

async function onLoginSubmit(event) {
  event.preventDefault();
  const token = el.tokenInput.value.trim();
  if (!token) {
    showLogin({ error: 'Enter the gateway token.' });
    return;
  }
  el.loginSubmit.disabled = true;
  el.loginSubmit.textContent = 'Signing in…';
  try {
    const version = await api.version(token);
    auth.set(token);
    enterShell(version);
  } catch (e) {
    showLogin({ error: e instanceof UnauthorizedError ? WRONG_TOKEN : `Cannot sign in: ${e.message}` });
  } finally {
    el.loginSubmit.disabled = false;
    el.loginSubmit.textContent = 'Sign in';
  }
}

/** Forgets the token and returns to the login form. */
export function signOut(reason) {
  auth.clear();
  showLogin(
    reason === 'unauthorized'
      ? { error: 'Wrong token: the gateway no longer accepts this token (401). Sign in again.' }
      : { info: 'Signed out. The token was removed from this tab.' },
  );
}

function enterShell(version) {
  el.login.hidden = true;
  el.shell.hidden = false;
  renderVersion(version);
  navigate(location.pathname + location.search, { replace: true });
}

function renderVersion(v) {
  if (!v) return;
  const parts = [`clawgo gateway ${v.gateway_version || '?'}`];
  if (v.webui_version) parts.push(`web UI ${v.webui_version}`);
  if (v.protocol_version) parts.push(`protocol ${v.protocol_version}`);
  parts.push(`P2P ${v.p2p_transport || 'off'}`);
  el.version.textContent = parts.join(' · ');
}

// ---------- routing ----------

function routeOf(pathname) {
  const trimmed = pathname.replace(/\/+$/, '') || '/';
  const path = ALIASES[trimmed] || trimmed;
  return ROUTES[path] ? path : '/';
}

/** Shows the page for `url` (path + query) and starts polling it. */
export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, location.origin);
  const path = routeOf(target.pathname);
  const href = path + target.search;
  if (href !== location.pathname + location.search) {
    if (replace) history.replaceState(null, '', href);
    else history.pushState(null, '', href);
  }
  mount(path, target.searchParams);
}

function mount(path, params) {
  stopPage();
  const module = ROUTES[path];
  const gen = generation;
  current = module.create({ params, navigate, onUnauthorized: () => signOut('unauthorized') });
  el.page.replaceChildren(current.el);
  document.title = `${module.title} · clawgo gateway`;
  for (const a of document.querySelectorAll('.tabs a')) {
    const active = a.dataset.page === module.id;
    a.classList.toggle('active', active);
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  window.scrollTo(0, 0);
  poll(gen);
}

function stopPage() {
  generation += 1;
  clearTimeout(timer);
  if (current && current.destroy) current.destroy();
  current = null;
}

async function poll(gen) {
  if (gen !== generation || !current) return;
  if (!document.hidden) {
    try {
      await current.refresh();
      if (gen !== generation) return;
      setLive(true);
    } catch (e) {
      if (gen !== generation) return;
      if (e instanceof UnauthorizedError) {
        signOut('unauthorized');
        return;
      }
      setLive(false, e.message);
    }
  }
  if (gen === generation) timer = setTimeout(() => poll(gen), POLL_MS);
}

function setLive(ok, message) {
  el.live.dataset.state = ok ? 'ok' : 'error';
  el.liveText.textContent = ok ? `Live · ${absTime(new Date().toISOString()).slice(11)}` : 'Gateway unreachable';
  el.banner.hidden = ok;
  el.banner.textContent = ok ? '' : `Cannot load data: ${message}. Retrying every ${POLL_MS / 1000} s.`;
}

// ---------- wiring ----------

document.addEventListener('click', (event) => {
  const a = event.target.closest('a[data-link]');
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  if (a.origin !== location.origin) return;
  event.preventDefault();
  navigate(a.pathname + a.search);
});

window.addEventListener('popstate', () => {
  if (!el.shell.hidden) navigate(location.pathname + location.search, { replace: true });
});

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && current) {
    clearTimeout(timer);
    poll(generation);
  }
});

el.loginForm.addEventListener('submit', onLoginSubmit);
el.logout.addEventListener('click', () => signOut());
setInterval(() => refreshRelativeTimes(), 1000);

async function boot() {
  if (!auth.token) {
    showLogin();
    return;
  }
  try {
    enterShell(await api.version());
  } catch (e) {
    if (e instanceof UnauthorizedError) signOut('unauthorized');
    else {
      enterShell(null);
      setLive(false, e.message);
    }
  }
}

boot();
