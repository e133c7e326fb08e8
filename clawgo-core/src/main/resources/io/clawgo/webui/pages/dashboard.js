// Dashboard: counts, the P2P runtime (sessions), alerts and recent dispatches.
import { api } from '../api.js';
import { h, fill, setText, patchKeyed, patchRows, table } from '../dom.js';
import { badge, dash, duration, link, nodeHref, orDash, panel, timeEl } from '../format.js';

export const id = 'dashboard';
export const title = 'Dashboard';

const HOUR_MS = 3600 * 1000;
const AUDIT_LIMIT = 50;
const RECENT_ROWS = 15;

function statCard(key, label) {
  const value = h('div', { class: 'stat-value', testid: `stat-${key}-value` }, '–');
  const note = h('div', { class: 'stat-note' });
  const card = h(
    'div',
    { class: 'stat', testid: `stat-${key}` },
    h('div', { class: 'stat-label' }, label),
    value,
    note,
  );
  return { card, value, note };
}

export function create() {
  const stats = {
    online: statCard('nodes-online', 'Nodes online'),
    offline: statCard('nodes-offline', 'Nodes offline'),
    sessions: statCard('p2p-active', 'P2P sessions'),
    hour: statCard('dispatches-hour', 'Dispatches · 1 h'),
    failures: statCard('failures', 'Failures · 1 h'),
  };

  const p2pFacts = {
    transport: h('dd', { testid: 'p2p-transport' }, '–'),
    active: h('dd', { testid: 'p2p-active-sessions' }, '–'),
    ice: h('dd', { testid: 'p2p-ice-servers' }, '–'),
    retries: h('dd', { testid: 'p2p-retries' }, '–'),
  };
  const sessions = table(['Node', 'Status', 'Retries', 'Last ready', 'Last attempt', 'Last error'], 'sessions-table');
  const sessionsEmpty = h('p', { class: 'empty', testid: 'sessions-empty', hidden: true }, 'No node P2P sessions yet.');

  const alertList = h('ul', { class: 'alerts', testid: 'alerts' });
  const alertsEmpty = h(
    'p',
    { class: 'empty', testid: 'alerts-empty', hidden: true },
    'No active alerts. All nodes and sessions look healthy.',
  );
  const alertCount = h('span', { class: 'count-pill', testid: 'alerts-count' }, '0');

  const recent = table(
    ['Time', 'Node', 'Action', 'Result', 'Code', 'Transport', 'Fallback from', 'Duration'],
    'dispatches-table',
  );
  const recentEmpty = h('p', { class: 'empty', testid: 'dispatches-empty', hidden: true }, 'No dispatches yet.');

  const root = h(
    'div',
    { class: 'page-dashboard', testid: 'page-dashboard' },
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, 'Dashboard'),
      h('p', { class: 'muted' }, 'Gateway health, node P2P sessions and the paths recent dispatches took.'),
    ),
    h(
      'div',
      { class: 'stats' },
      Object.values(stats).map((s) => s.card),
    ),
    h(
      'div',
      { class: 'grid grid-main' },
      panel(
        'Node P2P',
        { testid: 'p2p-panel' },
        h(
          'dl',
          { class: 'facts' },
          h('div', null, h('dt', null, 'Transport'), p2pFacts.transport),
          h('div', null, h('dt', null, 'Active sessions'), p2pFacts.active),
          h('div', null, h('dt', null, 'ICE servers'), p2pFacts.ice),
          h('div', null, h('dt', null, 'Total retries'), p2pFacts.retries),
        ),
        sessions.wrap,
        sessionsEmpty,
      ),
      panel('Alerts', { testid: 'alerts-panel', extra: alertCount }, alertList, alertsEmpty),
    ),
    panel('Recent dispatches', { testid: 'dispatches-panel' }, recent.wrap, recentEmpty),
  );

  function renderStats(data, audit) {
    const remote = (data.nodes || []).filter((n) => n.id !== 'local');
    const online = remote.filter((n) => n.online).length;
    const offline = remote.length - online;
    setText(stats.online.value, online);
    setText(stats.online.note, `of ${remote.length} registered`);
    setText(stats.offline.value, offline);
    setText(stats.offline.note, offline ? 'listed until pruned' : 'none');
    stats.offline.card.dataset.tone = offline ? 'bad' : '';
    const p2p = data.p2p || {};
    setText(stats.sessions.value, p2p.active_sessions ?? 0);
    setText(stats.sessions.note, p2p.enabled ? `active over ${p2p.transport}` : 'P2P disabled');
    // exact counts from the gateway; older gateways without `stats` are counted from the audit rows
    const since = Date.now() - HOUR_MS;
    const rows = audit.filter((d) => Date.parse(d.time) >= since);
    const total = data.stats ? data.stats.dispatches_last_hour : rows.length;
    const failed = data.stats ? data.stats.failures_last_hour : rows.filter((d) => !d.ok).length;
    setText(stats.hour.value, total);
    setText(stats.hour.note, `${total - failed} succeeded`);
    setText(stats.failures.value, failed);
    setText(stats.failures.note, failed ? 'see recent dispatches' : 'none');
    stats.failures.card.dataset.tone = failed ? 'bad' : '';
  }

  function renderP2p(p2p) {
    const list = [...(p2p.nodes || [])].sort((a, b) => String(a.node).localeCompare(String(b.node)));
    setText(p2pFacts.transport, p2p.enabled ? p2p.transport : 'disabled');
    setText(p2pFacts.active, p2p.active_sessions ?? 0);
    const stun = (p2p.configured_stun || []).length;
    setText(p2pFacts.ice, `${p2p.ice_servers ?? 0}${stun ? ` (${stun} STUN configured)` : ''}`);
    setText(
      p2pFacts.retries,
      list.reduce((sum, s) => sum + (s.retry_count || 0), 0),
    );
    sessions.wrap.hidden = list.length === 0;
    sessionsEmpty.hidden = list.length > 0;
    patchRows(
      sessions.tbody,
      list,
      (s) => s.node,
      (s) => [
        link(nodeHref(s.node), s.node, { class: 'mono' }),
        h('td', { dataset: { col: 'status' } }, badge(s.status)),
        h('td', { dataset: { col: 'retry_count' }, class: 'num' }, String(s.retry_count ?? 0)),
        h('td', { dataset: { col: 'last_ready' } }, timeEl(s.last_ready_at)),
        h('td', { dataset: { col: 'last_attempt' } }, timeEl(s.last_attempt)),
        h('td', { dataset: { col: 'last_error' }, class: 'cell-error' }, orDash(s.last_error, 'text-bad')),
      ],
      (s) => ({ testid: 'session-row', 'data-node': s.node }),
    );
  }

  function renderAlerts(alerts) {
    setText(alertCount, alerts.length);
    alertCount.dataset.tone = alerts.some((a) => a.severity === 'critical') ? 'bad' : alerts.length ? 'warn' : '';
    alertsEmpty.hidden = alerts.length > 0;
    patchKeyed(
      alertList,
      alerts,
      (a) => `${a.kind}|${a.node}`,
      () => h('li', { testid: 'alert' }),
      (li, a) => {
        const sig = JSON.stringify(a);
        if (li._sig === sig) return;
        li._sig = sig;
        li.className = `alert alert-${a.severity === 'critical' ? 'bad' : 'warn'}`;
        li.dataset.severity = a.severity;
        fill(
          li,
          h(
            'div',
            { class: 'alert-head' },
            badge(a.severity, { tone: a.severity === 'critical' ? 'bad' : 'warn' }),
            h('strong', null, a.title),
            a.count > 1 ? h('span', { class: 'muted' }, `×${a.count}`) : null,
          ),
          h(
            'div',
            { class: 'alert-meta' },
            link(nodeHref(a.node), a.node, { class: 'mono' }),
            ' · ',
            h('span', { class: 'mono' }, a.kind),
          ),
          a.detail ? h('div', { class: 'alert-detail' }, a.detail) : null,
        );
      },
    );
  }

  function renderDispatches(rows) {
    recent.wrap.hidden = rows.length === 0;
    recentEmpty.hidden = rows.length > 0;
    patchRows(
      recent.tbody,
      rows,
      (d) => `${d.time}|${d.node}|${d.action}`,
      dispatchCells,
      (d) => ({
        testid: 'dispatch-row',
        'data-node': d.node,
        class: d.ok ? '' : 'row-failed',
      }),
    );
  }

  return {
    el: root,
    async refresh() {
      const [data, audit] = await Promise.all([api.nodes(), api.dispatches(AUDIT_LIMIT)]);
      renderStats(data, audit);
      renderP2p(data.p2p || {});
      renderAlerts(data.alerts || []);
      renderDispatches(audit.slice(0, RECENT_ROWS));
    },
  };
}

/** The cells of one dispatch row; shared with the node detail view. */
export function dispatchCells(d, { withNode = true } = {}) {
  return [
    timeEl(d.time),
    withNode ? link(nodeHref(d.node), d.node, { class: 'mono' }) : null,
    h('span', { class: 'mono' }, d.action),
    h('td', { dataset: { col: 'result' } }, badge(d.ok ? 'ok' : 'failed')),
    h('td', { dataset: { col: 'code' } }, orDash(d.code, d.ok ? 'mono muted' : 'mono text-bad')),
    h(
      'td',
      { dataset: { col: 'used_transport' } },
      d.used_transport ? h('span', { class: 'chip chip-transport' }, d.used_transport) : dash(),
    ),
    h(
      'td',
      { dataset: { col: 'fallback_from' } },
      d.fallback_from
        ? h('span', { class: 'chip chip-fallback', title: `Fell back from ${d.fallback_from}` }, `↪ ${d.fallback_from}`)
        : dash(),
    ),
    h('td', { class: 'num', dataset: { col: 'duration' } }, duration(d.duration_ms)),
  ].filter((c) => c !== null);
}
