// Nodes (/nodes): every node as a card; /nodes?id=<id> shows one node with its P2P session and its dispatches.
import { api } from '../api.js';
import { h, setText, patchKeyed, patchRows, renderIfChanged, table } from '../dom.js';
import { badge, capabilityNames, chips, dash, link, nodeHref, orDash, panel, timeEl, absTime } from '../format.js';
import { dispatchCells } from './dashboard.js';
import { fleetQuery } from './fleet-query.js';

export const id = 'nodes';
export const title = 'Nodes';

export function create(ctx) {
  const nodeId = ctx.params.get('id') || ctx.params.get('node');
  return nodeId ? detailView(nodeId) : listView(ctx);
}

// ---------- list ----------

const PAGE_SIZE = 50;

function listView(ctx) {
  const summary = h('span', { class: 'muted', testid: 'nodes-summary' });
  const grid = h('div', { class: 'node-grid', testid: 'node-list' });
  // in a cluster of gateways: the gateways, and which one holds each node
  const gateways = h('div', { class: 'toolbar cluster-gateways', hidden: true, testid: 'cluster-gateways' });
  const empty = h('p', { class: 'empty', hidden: true, testid: 'nodes-empty' });
  const query = fleetQuery({
    prefix: 'nodes',
    pageSize: PAGE_SIZE,
    placeholder: 'Filter by id, name, os, tag…',
    onChange: () => load().catch((e) => ctx.onError(e)),
  });
  let last = null;
  let seq = 0;

  /** Loads the page the query asks for; an answer overtaken by a newer request is dropped. */
  async function load() {
    const mine = ++seq;
    const data = await api.nodesPage(query.params());
    if (mine !== seq || !query.isCurrent(data.page)) return;
    last = data;
    render();
  }

  function render() {
    const sessions = new Map((last.p2p?.nodes || []).map((s) => [s.node, s]));
    const cluster = last.cluster || null;
    const owners = cluster?.owners || {};
    gateways.hidden = !cluster;
    if (cluster) {
      renderIfChanged(gateways, JSON.stringify(cluster.gateways), () => [
        h('span', { class: 'muted' }, `Cluster ${cluster.name}:`),
        ...(cluster.gateways || []).map((g) =>
          h(
            'span',
            { class: 'chip' + (g.self ? ' chip-accent' : ''), title: g.url, testid: 'cluster-gateway' },
            `${g.id}${g.self ? ' (this one)' : ''} · ${g.nodes} ${g.nodes === 1 ? 'node' : 'nodes'}`,
            ' ',
            badge(g.alive ? 'online' : 'offline'),
          ),
        ),
      ]);
    }
    const shown = last.nodes || [];
    const st = last.stats || {};
    const online = st.nodes_online ?? 0;
    setText(summary, `${online} online · ${(st.nodes_total ?? 0) - online} offline · plus the gateway itself`);
    query.update(last.page);
    empty.hidden = shown.length > 0;
    setText(empty, (last.page?.total ?? 0) > 1 ? 'No node matches the filter.' : 'No nodes registered yet.');
    patchKeyed(
      grid,
      shown,
      (n) => n.id,
      createCard,
      (card, n) => updateCard(card, n, sessions.get(n.id), last.p2p, owners[n.id]),
    );
  }

  return {
    el: h(
      'div',
      { class: 'page-nodes', testid: 'page-nodes' },
      h(
        'div',
        { class: 'page-head' },
        h('h1', null, 'Nodes'),
        h(
          'p',
          { class: 'muted' },
          'Every registered node, its capabilities and its agents. Select a node for its P2P session and dispatches.',
        ),
      ),
      h('div', { class: 'toolbar' }, query.controls, summary),
      gateways,
      grid,
      empty,
      h('div', { class: 'toolbar toolbar-end' }, query.pager),
    ),
    wants: (event) => event.type !== 'dispatch', // cards show nodes and sessions, not dispatches
    refresh: load,
  };
}

function createCard() {
  const card = h('article', { class: 'node-card', testid: 'node-card', tabindex: '-1' });
  card.addEventListener('click', (event) => {
    if (event.target.closest('a')) return;
    card.querySelector('a.node-title')?.click();
  });
  return card;
}

function updateCard(card, node, session, p2p, owner) {
  card.dataset.node = node.id;
  card.dataset.online = String(!!node.online);
  const { last_seen_at: seen, ...stable } = node;
  renderIfChanged(card, JSON.stringify([stable, session || null, owner || null]), () => [
    h(
      'header',
      { class: 'node-card-head' },
      h(
        'div',
        { class: 'node-card-title' },
        link(nodeHref(node.id), node.name || node.id, { class: 'node-title', testid: 'node-link' }),
        node.id === 'local' ? h('span', { class: 'chip chip-accent' }, 'gateway') : null,
        owner
          ? h('span', { class: 'chip mono', title: 'the gateway that holds its connection', testid: 'node-gateway' }, owner)
          : null,
      ),
      badge(node.online ? 'online' : 'offline', { testid: 'node-status' }),
    ),
    h(
      'div',
      { class: 'node-card-sub' },
      h('span', { class: 'mono' }, node.id),
      ' · ',
      platform(node),
      ' · ',
      node.version ? `v${node.version}` : 'no version',
    ),
    h('div', { class: 'node-card-seen' }, 'Last seen ', h('span', { class: 'seen-slot' })),
    h(
      'dl',
      { class: 'kv' },
      kv('Endpoint', orDash(node.endpoint, 'mono break')),
      kv('Actions', chips(node.actions, 'mono')),
      kv('Models', chips(node.models)),
      kv('Tags', chips(node.tags, 'chip-tag')),
      kv('Capabilities', chips(capabilityNames(node.capabilities))),
      node.id === 'local' ? null : kv('Transports', transports(node)),
      kv(
        'Agents',
        chips(
          (node.agents || []).map((a) => a.id),
          'mono',
        ),
      ),
      node.id !== 'local' && p2p?.enabled
        ? kv(
            'P2P',
            session
              ? h('span', null, badge(session.status), ` ${session.retry_count || 0} retries`)
              : h('span', { class: 'muted' }, 'no session'),
          )
        : null,
    ),
  ]);
  const slot = card.querySelector('.seen-slot');
  if (slot._ts !== seen) {
    slot._ts = seen;
    slot.replaceChildren(timeEl(seen, 'node-last-seen'));
  }
}

function platform(node) {
  return `${node.os || '?'} / ${node.arch || '?'}`;
}

/** The P2P transports a node offers; a node that does not say is tried with every transport of the gateway. */
function transports(node) {
  return node.transports && node.transports.length
    ? chips(node.transports, 'mono')
    : h('span', { class: 'muted', title: 'the gateway tries its own transports' }, 'not stated');
}

function kv(label, value) {
  return h('div', { dataset: { field: label.toLowerCase() } }, h('dt', null, label), h('dd', null, value));
}

// ---------- detail ----------

function detailView(nodeId) {
  const heading = h('h1', { testid: 'node-detail-title' }, nodeId);
  const headStatus = h('span', { class: 'head-status' });
  const subline = h('p', { class: 'muted', testid: 'node-detail-sub' });
  const info = h('dl', { class: 'kv kv-wide', testid: 'node-info' });
  const session = h('div', { testid: 'node-p2p' });
  const agents = h('div', { testid: 'node-agents' });
  const alerts = h('div', { testid: 'node-alerts' });
  const dispatches = table(
    ['Time', 'Action', 'Result', 'Code', 'Transport', 'Fallback from', 'Duration'],
    'node-dispatches-table',
  );
  const dispatchesEmpty = h(
    'p',
    { class: 'empty', hidden: true, testid: 'node-dispatches-empty' },
    'No dispatches to this node yet.',
  );
  const missing = h(
    'p',
    { class: 'empty', hidden: true, testid: 'node-missing' },
    `Node ${nodeId} is not registered (it may have been pruned or deleted).`,
  );
  const body = h(
    'div',
    { class: 'grid grid-detail' },
    panel('Details', { testid: 'node-info-panel' }, info),
    panel('P2P session', { testid: 'node-p2p-panel' }, session),
    panel('Agents', { testid: 'node-agents-panel' }, agents),
    panel('Alerts', { testid: 'node-alerts-panel' }, alerts),
  );
  const dispatchPanel = panel(
    'Recent dispatches to this node',
    { testid: 'node-dispatches-panel' },
    dispatches.wrap,
    dispatchesEmpty,
  );

  function render(data, audit) {
    const node = (data.nodes || []).find((n) => n.id === nodeId);
    missing.hidden = !!node;
    body.hidden = !node;
    dispatchPanel.hidden = !node;
    if (!node) return;
    setText(heading, node.name && node.name !== node.id ? `${node.name}` : node.id);
    renderIfChanged(headStatus, String(node.online), () =>
      badge(node.online ? 'online' : 'offline', { testid: 'node-detail-status' }),
    );
    setText(subline, `${node.id} · ${platform(node)} · ${node.version ? `v${node.version}` : 'no version'}`);
    const { last_seen_at: seen, ...stable } = node;
    renderIfChanged(info, JSON.stringify(stable), () => [
      kv('Status', badge(node.online ? 'online' : 'offline')),
      h('div', { dataset: { field: 'last seen' } }, h('dt', null, 'Last seen'), h('dd', { class: 'seen-slot' })),
      kv('Registered', node.registered_at ? h('span', null, absTime(node.registered_at)) : dash()),
      kv('OS / arch', platform(node)),
      kv('Version', orDash(node.version)),
      kv('Endpoint', orDash(node.endpoint, 'mono break')),
      kv('Tags', chips(node.tags, 'chip-tag')),
      kv('Capabilities', chips(capabilityNames(node.capabilities))),
      kv('Actions', chips(node.actions, 'mono')),
      kv('Models', chips(node.models)),
      node.id === 'local' ? null : kv('Transports', transports(node)),
    ]);
    const slot = info.querySelector('.seen-slot');
    if (slot && slot._ts !== seen) {
      slot._ts = seen;
      slot.replaceChildren(timeEl(seen, 'node-last-seen'));
    }

    const p2p = data.p2p || {};
    const s = (p2p.nodes || []).find((x) => x.node === nodeId);
    renderIfChanged(session, JSON.stringify([p2p.enabled, p2p.transport, s || null]), () => {
      if (!p2p.enabled)
        return h('p', { class: 'empty' }, 'P2P is disabled on this gateway; dispatches use the HTTP relay.');
      if (!s)
        return h(
          'p',
          { class: 'empty', testid: 'node-p2p-empty' },
          nodeId === 'local' ? 'The gateway has no P2P session with itself.' : 'No P2P session with this node yet.',
        );
      return h(
        'dl',
        { class: 'kv' },
        kv('Transport', h('span', { class: 'chip chip-transport', testid: 'node-p2p-transport' }, p2p.transport)),
        kv('Status', badge(s.status, { testid: 'node-p2p-status' })),
        kv('Retries', h('span', { testid: 'node-p2p-retries' }, String(s.retry_count ?? 0))),
        kv('In flight', String(s.in_flight ?? 0)),
        kv('Created', timeEl(s.created_at)),
        kv('Last attempt', timeEl(s.last_attempt)),
        kv('Last ready', timeEl(s.last_ready_at, 'node-p2p-last-ready')),
        kv('Last error', orDash(s.last_error, 'text-bad')),
      );
    });

    renderIfChanged(agents, JSON.stringify(node.agents || []), () => {
      const list = node.agents || [];
      if (!list.length) return h('p', { class: 'empty' }, 'This node reports no agents.');
      return h(
        'ul',
        { class: 'plain-list' },
        list.map((a) =>
          h(
            'li',
            null,
            h('span', { class: 'mono' }, a.id),
            a.display_name && a.display_name !== a.id ? h('span', null, ` ${a.display_name}`) : null,
            h('span', { class: 'muted' }, ` ${[a.role, a.type, a.transport].filter(Boolean).join(' · ')}`),
          ),
        ),
      );
    });

    const nodeAlerts = (data.alerts || []).filter((a) => a.node === nodeId);
    renderIfChanged(alerts, JSON.stringify(nodeAlerts), () => {
      if (!nodeAlerts.length) return h('p', { class: 'empty' }, 'No alerts for this node.');
      return h(
        'ul',
        { class: 'alerts' },
        nodeAlerts.map((a) =>
          h(
            'li',
            { class: `alert alert-${a.severity === 'critical' ? 'bad' : 'warn'}` },
            h(
              'div',
              { class: 'alert-head' },
              badge(a.severity, { tone: a.severity === 'critical' ? 'bad' : 'warn' }),
              h('strong', null, a.title),
            ),
            h('div', { class: 'alert-detail' }, a.detail),
          ),
        ),
      );
    });

    const rows = audit.filter((d) => d.node === nodeId).slice(0, 50);
    dispatches.wrap.hidden = rows.length === 0;
    dispatchesEmpty.hidden = rows.length > 0;
    patchRows(
      dispatches.tbody,
      rows,
      (d) => `${d.time}|${d.action}`,
      (d) => dispatchCells(d, { withNode: false }),
      (d) => ({
        testid: 'node-dispatch-row',
        class: d.ok ? '' : 'row-failed',
      }),
    );
  }

  return {
    el: h(
      'div',
      { class: 'page-node-detail', testid: 'page-node-detail', 'data-node': nodeId },
      h('nav', { class: 'crumbs' }, link('/nodes', '← All nodes', { testid: 'back-to-nodes' })),
      h(
        'div',
        { class: 'page-head page-head-row' },
        h('div', null, h('div', { class: 'title-row' }, heading, headStatus), subline),
      ),
      missing,
      body,
      dispatchPanel,
    ),
    wants: (event) => !event.data.node || event.data.node === nodeId,
    async refresh() {
      // this node alone (the id filter), not the fleet
      const [data, audit] = await Promise.all([api.nodesPage({ id: nodeId, limit: 1 }), api.dispatches(50, nodeId)]);
      render(data, audit);
    },
  };
}
