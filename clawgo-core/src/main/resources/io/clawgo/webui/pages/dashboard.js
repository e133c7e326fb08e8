// Dashboard: counts, charts of the last hour, the P2P runtime, alerts and recent dispatches. One request
// (GET /webui/api/nodes?summary=1) whatever the size of the fleet; it reloads on the gateway's events.
import { api } from '../api.js';
import { h, fill, setText, patchKeyed, patchRows, renderIfChanged, table } from '../dom.js';
import { badge, dash, duration, link, nodeHref, orDash, panel, timeEl } from '../format.js';
import { fallbackChart, latencyChart, ms, rateChart, seriesClass } from '../charts.js';

export const id = 'dashboard';
export const title = 'Dashboard';

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

  const charts = {
    rate: h('div', { class: 'chart', testid: 'chart-rate-box' }),
    latency: h('div', { class: 'chart', testid: 'chart-latency-box' }),
    fallbacks: h('div', { class: 'chart', testid: 'chart-fallbacks-box' }),
    legend: h('ul', { class: 'chart-legend', testid: 'chart-legend' }),
    routes: h('p', { class: 'muted chart-routes', testid: 'chart-routes' }),
  };
  const sessionsNote = h('p', { class: 'muted', hidden: true, testid: 'sessions-note' });

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
    panel(
      'Dispatches · last hour',
      { testid: 'charts-panel' },
      h(
        'div',
        { class: 'charts' },
        h('figure', null, h('figcaption', null, 'Dispatches per minute'), charts.rate),
        h('figure', null, h('figcaption', null, 'Latency: p50 solid, p99 dashed'), charts.latency),
        h('figure', null, h('figcaption', null, 'Fallbacks per minute'), charts.fallbacks),
      ),
      charts.legend,
      charts.routes,
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
        sessionsNote,
        sessionsEmpty,
      ),
      panel('Alerts', { testid: 'alerts-panel', extra: alertCount }, alertList, alertsEmpty),
    ),
    panel('Recent dispatches', { testid: 'dispatches-panel' }, recent.wrap, recentEmpty),
  );

  function renderStats(data) {
    const st = data.stats || {};
    const total = st.nodes_total ?? 0;
    const online = st.nodes_online ?? 0;
    const offline = total - online;
    setText(stats.online.value, online);
    setText(stats.online.note, `of ${total} registered`);
    setText(stats.offline.value, offline);
    setText(stats.offline.note, offline ? 'listed until pruned' : 'none');
    stats.offline.card.dataset.tone = offline ? 'bad' : '';
    const p2p = data.p2p || {};
    setText(stats.sessions.value, p2p.active_sessions ?? 0);
    setText(stats.sessions.note, p2p.enabled ? `active over ${p2p.transport}` : 'P2P disabled');
    const hour = st.dispatches_last_hour ?? 0;
    const failed = st.failures_last_hour ?? 0;
    setText(stats.hour.value, hour);
    setText(stats.hour.note, `${hour - failed} succeeded`);
    setText(stats.failures.value, failed);
    setText(stats.failures.note, failed ? 'see recent dispatches' : 'none');
    stats.failures.card.dataset.tone = failed ? 'bad' : '';
  }

  function renderCharts(c) {
    if (!c) return;
    // redrawn only when the numbers changed (or the minute moved on)
    renderIfChanged(charts.rate, JSON.stringify([c.end, (c.series || []).map((x) => [x.transport, x.count, x.failed])]), () =>
      rateChart(c),
    );
    renderIfChanged(charts.latency, JSON.stringify([c.end, (c.series || []).map((x) => [x.p50_ms, x.p99_ms])]), () =>
      latencyChart(c),
    );
    renderIfChanged(charts.fallbacks, JSON.stringify([c.end, c.fallbacks]), () => fallbackChart(c));
    patchKeyed(
      charts.legend,
      (c.series || []).map((x, i) => ({ ...x, index: i })),
      (x) => x.transport,
      () => h('li', { testid: 'chart-legend-item' }),
      (li, x) => {
        li.dataset.transport = x.transport;
        renderIfChanged(li, JSON.stringify([x.index, x.total, x.failed_total, x.p50_ms_hour, x.p99_ms_hour]), () => [
          h('span', { class: `swatch ${seriesClass(x.index)}`, 'aria-hidden': 'true' }),
          h('span', { class: 'mono' }, x.transport === 'none' ? 'not sent' : x.transport),
          h(
            'span',
            { class: 'muted' },
            ` ${x.total} · ${x.failed_total} failed · p50 ${ms(x.p50_ms_hour)} · p99 ${ms(x.p99_ms_hour)}`,
          ),
        ]);
      },
    );
    const routes = Object.entries(c.fallback_routes || {});
    charts.routes.hidden = routes.length === 0;
    setText(
      charts.routes,
      routes.length
        ? `Fallbacks: ${routes.map(([r, n]) => `${r.replace('>', ' → ')} ${n}`).join(', ')}`
        : '',
    );
  }

  function renderP2p(p2p) {
    const list = p2p.top_sessions || p2p.nodes || [];
    setText(p2pFacts.transport, p2p.enabled ? p2p.transport : 'disabled');
    setText(p2pFacts.active, p2p.active_sessions ?? 0);
    const stun = (p2p.configured_stun || []).length;
    setText(p2pFacts.ice, `${p2p.ice_servers ?? 0}${stun ? ` (${stun} STUN configured)` : ''}`);
    setText(p2pFacts.retries, p2p.retries_total ?? list.reduce((sum, s) => sum + (s.retry_count || 0), 0));
    sessions.wrap.hidden = list.length === 0;
    sessionsEmpty.hidden = list.length > 0;
    const all = p2p.sessions ?? list.length;
    sessionsNote.hidden = all <= list.length;
    const byStatus = Object.entries(p2p.by_status || {})
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
    setText(
      sessionsNote,
      `${list.length} of ${all} sessions, those that most need attention first (${byStatus}). Every session is on the Nodes page.`,
    );
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
    liveRefreshMs: 60000, // the charts move on by the minute; everything else comes with events
    async refresh() {
      const data = await api.summary();
      renderStats(data);
      renderCharts(data.charts);
      renderP2p(data.p2p || {});
      renderAlerts(data.alerts || []);
      renderDispatches((data.dispatches || []).slice(0, RECENT_ROWS));
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
