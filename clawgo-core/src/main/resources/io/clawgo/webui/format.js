// Formatting and tiny view components shared by the pages.
import { h } from './dom.js';

const UNSET = '0001-01-01';

/** Whether an API timestamp is missing or the Go zero time. */
export function isUnset(ts) {
  return !ts || String(ts).startsWith(UNSET);
}

/** "just now", "12 s ago", "4 min ago", "3 h ago", "2 d ago". */
export function relTime(ts, now = Date.now()) {
  if (isUnset(ts)) return '—';
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return String(ts);
  const s = Math.round((now - t) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** A local date and time, e.g. "2025-11-25 14:03:27". */
export function absTime(ts) {
  if (isUnset(ts)) return '—';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return String(ts);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A <time> that shows a relative time (kept fresh by app.js) and the exact one as its tooltip. */
export function timeEl(ts, testid) {
  if (isUnset(ts)) return h('span', { class: 'muted', testid }, '—');
  return h('time', { datetime: ts, title: absTime(ts), testid, dataset: { rel: ts } }, relTime(ts));
}

/** Re-renders every relative time on the page. */
export function refreshRelativeTimes(root = document) {
  const now = Date.now();
  for (const el of root.querySelectorAll('time[data-rel]')) {
    const text = relTime(el.dataset.rel, now);
    if (el.textContent !== text) el.textContent = text;
  }
}

export function duration(ms) {
  if (ms == null || ms === '') return '—';
  const n = Number(ms);
  if (Number.isNaN(n)) return String(ms);
  return n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(n < 10000 ? 2 : 1)} s`;
}

const TONES = {
  ok: ['open', 'online', 'completed', 'ok', 'connected', 'ready'],
  warn: ['connecting', 'timeout', 'running', 'warning', 'waiting', 'new', 'checking'],
  bad: ['failed', 'closed', 'disconnected', 'offline', 'critical', 'error', 'down'],
};

export function toneOf(status) {
  const s = String(status || '').toLowerCase();
  for (const [tone, words] of Object.entries(TONES)) if (words.includes(s)) return tone;
  return 'neutral';
}

/** A status pill; `tone` defaults from the status word. */
export function badge(status, opts = {}) {
  const text = status == null || status === '' ? 'unknown' : String(status);
  return h(
    'span',
    { class: `badge badge-${opts.tone || toneOf(text)}`, testid: opts.testid, dataset: { status: text } },
    opts.label || text,
  );
}

/** A list of small chips, or a dash when empty. */
export function chips(values, cls = '') {
  const list = (values || []).filter((v) => v != null && v !== '');
  if (!list.length) return dash();
  return h(
    'span',
    { class: 'chips' },
    list.map((v) => h('span', { class: `chip ${cls}`.trim() }, String(v))),
  );
}

export function dash() {
  return h('span', { class: 'muted' }, '—');
}

/** Text, or a muted dash when empty. */
export function orDash(value, cls) {
  return value == null || value === '' ? dash() : h('span', { class: cls }, String(value));
}

/** The capability names whose value is true. */
export function capabilityNames(caps) {
  return Object.entries(caps || {})
    .filter(([, v]) => v === true)
    .map(([k]) => k);
}

/** A link handled by the client-side router. */
export function link(href, text, props = {}) {
  return h('a', { href, dataset: { link: '' }, ...props }, text);
}

export function nodeHref(id) {
  return `/nodes?id=${encodeURIComponent(id)}`;
}

/** A labelled panel: <section class="panel"><header><h2>title</h2>extra</header>body</section>. */
export function panel(title, props, ...body) {
  const { extra, ...rest } = props || {};
  return h(
    'section',
    { class: 'panel', ...rest },
    h('header', { class: 'panel-head' }, h('h2', null, title), extra || null),
    ...body,
  );
}
