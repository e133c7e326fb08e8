// The shell: login, routing between pages, and keeping the visible page fresh. The gateway's event stream
// (GET /webui/api/events) says when something changed; the page then reloads what it shows. Without the stream (it
// failed, or the gateway has too many open) the page is polled every 3 s, and the stream is tried again later.
import { api, auth, readEvents, UnauthorizedError } from './api.js';
import { refreshRelativeTimes, absTime } from './format.js';
import * as dashboard from './pages/dashboard.js';
import * as nodes from './pages/nodes.js';
import * as subagents from './pages/subagents.js';

const POLL_MS = 3000; // polling, when there is no event stream
const LIVE_REFRESH_MS = 30000; // with the event stream: a page reloads at least this often (pages may say otherwise)
const EVENT_DELAY_MS = 300; // an event waits this long for others before the page reloads
const MIN_GAP_MS = 2000; // event-driven reloads at most this often
const STREAM_RETRY_MS = [5000, 15000, 30000, 60000]; // waits before trying the event stream again
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

let current = null; // the mounted page: {el, refresh(), destroy?(), liveRefreshMs?}
let generation = 0; // bumps on every navigation or sign-out; stale refreshes stop themselves
let timer = 0; // the next scheduled refresh
let running = false; // a refresh is in flight
let again = false; // another refresh was asked for while one was in flight
let lastEnd = 0; // when the last refresh ended (performance.now())
let refreshes = 0; // successful refreshes of the mounted page (data-refreshes of the page element)
let readyMarked = false; // the first refresh of the first page after a load was marked for measurements
const stream = { abort: null, mode: 'off', failures: 0, retryTimer: 0, watchdog: 0, keepAliveMs: 15000, dirty: false };

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
  stopStream();
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
  startStream();
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
  current = module.create({ params, navigate, onUnauthorized: () => signOut('unauthorized'), onError: onPageError });
  refreshes = 0;
  el.page.dataset.refreshes = '0';
  el.page.replaceChildren(current.el);
  document.title = `${module.title} · clawgo gateway`;
  for (const a of document.querySelectorAll('.tabs a')) {
    const active = a.dataset.page === module.id;
    a.classList.toggle('active', active);
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  window.scrollTo(0, 0);
  refresh(generation);
}

/** A load the page started itself (a new filter, another page) failed. */
function onPageError(e) {
  if (e instanceof UnauthorizedError) signOut('unauthorized');
  else setLive(false, e.message);
}

function stopPage() {
  generation += 1;
  clearTimeout(timer);
  running = false;
  again = false;
  if (current && current.destroy) current.destroy();
  current = null;
}

/** Reloads the page's data now (or right after the refresh in flight), then schedules the next one. */
async function refresh(gen) {
  if (gen !== generation || !current) return;
  clearTimeout(timer);
  if (running) {
    again = true;
    return;
  }
  if (document.hidden) {
    stream.dirty = true; // reloaded when the tab is shown again
    return;
  }
  running = true;
  again = false;
  try {
    await current.refresh();
    if (gen !== generation) return;
    refreshes += 1;
    el.page.dataset.refreshes = String(refreshes);
    if (!readyMarked) {
      readyMarked = true;
      performance.mark('clawgo:page-ready'); // the first page shows its data (the benchmark reads it)
    }
    setLive(true);
  } catch (e) {
    if (gen !== generation) return;
    if (e instanceof UnauthorizedError) {
      signOut('unauthorized');
      return;
    }
    setLive(false, e.message);
  } finally {
    if (gen === generation) {
      running = false;
      lastEnd = performance.now();
      schedule(gen, again ? Math.max(EVENT_DELAY_MS, MIN_GAP_MS) : nextDelay());
    }
  }
}

function nextDelay() {
  return stream.mode === 'live' ? (current && current.liveRefreshMs) || LIVE_REFRESH_MS : POLL_MS;
}

function schedule(gen, ms) {
  clearTimeout(timer);
  timer = setTimeout(() => refresh(gen), ms);
}

/** Something changed: reload soon, but not more often than every MIN_GAP_MS. Pages call it too (a new filter). */
function refreshSoon(delay = EVENT_DELAY_MS) {
  if (!current) return;
  if (document.hidden) {
    stream.dirty = true;
    return;
  }
  if (running) {
    again = true;
    return;
  }
  const gap = lastEnd + MIN_GAP_MS - performance.now();
  schedule(generation, Math.max(delay, delay === 0 ? 0 : gap));
}

// ---------- the event stream ----------

function startStream() {
  stopStream();
  const ctl = new AbortController();
  stream.abort = ctl;
  stream.mode = 'connecting';
  readEvents({
    signal: ctl.signal,
    onOpen: () => {
      stream.mode = 'live';
      stream.failures = 0;
      armWatchdog(ctl);
      setMode();
      refreshSoon(0); // catch up with what changed before the stream was open
    },
    onData: () => armWatchdog(ctl),
    onEvent: (event) => onEvent(event),
  })
    .then(
      () => streamEnded(ctl, null),
      (e) => streamEnded(ctl, e),
    );
}

function onEvent(event) {
  if (event.type === 'hello') {
    if (event.data.keep_alive_sec) stream.keepAliveMs = event.data.keep_alive_sec * 1000;
    return;
  }
  if (event.type === 'bye') return; // the gateway is closing; the stream ends next
  if (current && current.wants && event.type !== 'resync' && !current.wants(event)) return;
  refreshSoon();
}

/** No byte for 2.5 keep-alive periods: the connection is dead even if the socket does not say so. */
function armWatchdog(ctl) {
  clearTimeout(stream.watchdog);
  stream.watchdog = setTimeout(() => ctl.abort(), stream.keepAliveMs * 2.5);
}

function streamEnded(ctl, error) {
  if (stream.abort !== ctl) return; // replaced or stopped
  clearTimeout(stream.watchdog);
  stream.abort = null;
  if (error instanceof UnauthorizedError) {
    signOut('unauthorized');
    return;
  }
  // poll until the stream is back
  stream.mode = 'polling';
  setMode();
  const wait = STREAM_RETRY_MS[Math.min(stream.failures, STREAM_RETRY_MS.length - 1)];
  stream.failures += 1;
  stream.retryTimer = setTimeout(() => {
    if (!el.shell.hidden) startStream();
  }, wait);
  refreshSoon(0);
}

function stopStream() {
  clearTimeout(stream.retryTimer);
  clearTimeout(stream.watchdog);
  const ctl = stream.abort;
  stream.abort = null;
  stream.mode = 'off';
  if (ctl) ctl.abort();
}

function setMode() {
  el.live.dataset.mode = stream.mode === 'live' ? 'events' : 'polling';
  el.live.title =
    stream.mode === 'live'
      ? 'Updates arrive as events from the gateway'
      : `No event stream: polling every ${POLL_MS / 1000} s`;
}

function setLive(ok, message) {
  el.live.dataset.state = ok ? 'ok' : 'error';
  setMode();
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
  if (!document.hidden && current && stream.dirty) {
    stream.dirty = false;
    refresh(generation);
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
