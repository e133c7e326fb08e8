// One card of the agent topology. Node branch cards show the P2P session of their node, and their tooltip (a
// role="tooltip" element shown on hover and focus, plus the title attribute) repeats it with more detail. Cards are
// updated in place on every poll, so an open tooltip stays open.
import { h, renderIfChanged, setAttr, setText } from '../dom.js';
import { absTime, badge, dash, isUnset, link, nodeHref, orDash, timeEl } from '../format.js';

let tipSeq = 0;

/** The P2P view of a node branch: the registry item's p2p map, or else the session from /webui/api/nodes. */
function p2pOf(agent, ctx) {
  const fromRegistry = agent.p2p || null;
  const session = ctx.sessions.get(agent.node_id);
  const merged = { ...(session || {}), ...(fromRegistry || {}) };
  if (!merged.transport) merged.transport = ctx.p2p.enabled ? ctx.p2p.transport : 'disabled';
  if (!merged.status) merged.status = ctx.p2p.enabled ? 'none' : 'disabled';
  return merged;
}

const P2P_FIELDS = [
  ['transport', 'P2P transport'],
  ['status', 'Session'],
  ['retry_count', 'Retries'],
  ['last_ready', 'Last ready'],
  ['last_error', 'Last error'],
];

function fieldValue(key, p) {
  switch (key) {
    case 'transport':
      return h('span', { class: 'chip chip-transport' }, p.transport);
    case 'status':
      return badge(p.status);
    case 'retry_count':
      return String(p.retry_count ?? 0);
    case 'last_ready':
      return timeEl(p.last_ready_at);
    case 'last_error':
      return orDash(p.last_error, 'text-bad');
    default:
      return dash();
  }
}

function fieldDl(cls) {
  const refs = {};
  const dl = h(
    'dl',
    { class: cls },
    P2P_FIELDS.map(([key, label]) => {
      refs[key] = h('dd', { dataset: { value: '' } });
      return h('div', { dataset: { field: key } }, h('dt', null, label), refs[key]);
    }),
  );
  return { dl, refs };
}

export function agentCard(agent, ctx) {
  const tipId = `agent-tip-${++tipSeq}`;
  const isBranch = agent.type === 'node_branch';
  const refs = {
    name: h('span', { class: 'agent-name', testid: 'agent-name' }),
    state: h('span', { class: 'agent-state' }),
    id: h('div', { class: 'agent-id mono', testid: 'agent-id' }),
    meta: h('div', { class: 'agent-meta' }),
    tipTitle: h('div', { class: 'tooltip-title' }),
    tipSub: h('div', { class: 'tooltip-sub' }),
    tipNode: h('dd'),
    tipLast: h('dd'),
  };
  const card = h('article', {
    class: `agent-card agent-${isBranch ? 'branch' : agent.agent_id === 'main' ? 'root' : 'local'}`,
    tabindex: '0',
    testid: isBranch ? 'node-branch-card' : 'agent-card',
    'aria-describedby': tipId,
  });
  card.append(h('header', { class: 'agent-head' }, refs.name, refs.state), refs.id, refs.meta);
  if (isBranch) {
    const shown = fieldDl('agent-p2p');
    const tip = fieldDl('tooltip-fields');
    refs.fields = shown.refs;
    refs.tipFields = tip.refs;
    card.append(shown.dl);
    tip.dl.prepend(h('div', { dataset: { field: 'node' } }, h('dt', null, 'Node'), refs.tipNode));
    tip.dl.append(h('div', { dataset: { field: 'last_transport' } }, h('dt', null, 'Last dispatch'), refs.tipLast));
    card.append(
      h(
        'div',
        { class: 'tooltip', role: 'tooltip', id: tipId, testid: 'agent-tooltip' },
        refs.tipTitle,
        refs.tipSub,
        tip.dl,
      ),
    );
  } else {
    refs.tipBody = h('p', { class: 'tooltip-text' });
    card.append(
      h(
        'div',
        { class: 'tooltip', role: 'tooltip', id: tipId, testid: 'agent-tooltip' },
        refs.tipTitle,
        refs.tipSub,
        refs.tipBody,
      ),
    );
  }
  const use = h(
    'button',
    { type: 'button', class: 'btn btn-sm btn-ghost agent-use', testid: 'agent-use' },
    'Send task',
  );
  use.addEventListener('click', () => ctx.useAgent(card.dataset.agentId));
  card.append(h('footer', { class: 'agent-foot' }, use));
  // Escape hides the tooltip until the pointer or focus leaves (WCAG 1.4.13).
  card.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') card.classList.add('tip-off');
  });
  const reset = () => card.classList.remove('tip-off');
  card.addEventListener('mouseleave', reset);
  card.addEventListener('focusout', reset);
  card._refs = refs;
  return card;
}

export function updateAgentCard(card, agent, ctx) {
  const r = card._refs;
  const isBranch = agent.type === 'node_branch';
  card.dataset.agentId = agent.agent_id;
  card.dataset.enabled = String(agent.enabled !== false);
  setText(r.name, agent.display_name || agent.agent_id);
  setText(r.id, agent.agent_id);
  setText(r.tipTitle, agent.display_name || agent.agent_id);
  setText(r.tipSub, agent.agent_id);
  if (!isBranch) {
    renderIfChanged(r.state, agent.type, () =>
      badge(agent.type === 'router' ? 'router' : 'local', { tone: 'neutral' }),
    );
    setText(
      r.meta,
      agent.agent_id === 'main'
        ? 'Routes tasks to local agents and node branches'
        : `Local agent · ${agent.managed_by || 'local'}`,
    );
    const text =
      agent.agent_id === 'main'
        ? "The gateway's main agent. Every other agent hangs below it."
        : `Runs in the gateway process (transport ${agent.transport || 'local'}).`;
    setText(r.tipBody, text);
    setAttr(card, 'title', `${agent.display_name || agent.agent_id} (${agent.agent_id})\n${text}`);
    return;
  }
  const p = p2pOf(agent, ctx);
  const online = agent.online !== false;
  card.dataset.node = agent.node_id;
  card.dataset.online = String(online);
  card.dataset.status = p.status;
  renderIfChanged(r.state, String(online), () => badge(online ? 'online' : 'offline', { testid: 'agent-online' }));
  renderIfChanged(r.meta, agent.node_id, () => [
    'Node ',
    link(nodeHref(agent.node_id), agent.node_id, { class: 'mono' }),
  ]);
  for (const [key] of P2P_FIELDS) {
    const sig = JSON.stringify([key, p[key === 'last_ready' ? 'last_ready_at' : key]]);
    renderIfChanged(r.fields[key], sig, () => fieldValue(key, p));
    renderIfChanged(r.tipFields[key], sig, () => fieldValue(key, p));
    r.fields[key].dataset.value = plainValue(key, p);
    r.tipFields[key].dataset.value = plainValue(key, p);
  }
  renderIfChanged(r.tipNode, `${agent.node_id}|${online}`, () => [
    h('span', { class: 'mono' }, agent.node_id),
    ' ',
    badge(online ? 'online' : 'offline'),
  ]);
  const last = ctx.lastDispatch.get(agent.node_id);
  const lastText = last ? lastDispatchText(last) : '';
  renderIfChanged(r.tipLast, lastText, () => orDash(lastText));
  setAttr(
    card,
    'title',
    [
      `${agent.display_name || agent.agent_id} (${agent.agent_id})`,
      `P2P transport: ${p.transport}`,
      `Session status: ${p.status}`,
      `Retry count: ${p.retry_count ?? 0}`,
      `Last ready: ${isUnset(p.last_ready_at) ? '-' : absTime(p.last_ready_at)}`,
      `Last error: ${p.last_error || '-'}`,
    ].join('\n'),
  );
}

/** "websocket_tunnel", "http_relay (fallback from webrtc)", or "failed: node_offline". */
function lastDispatchText(d) {
  const path = d.used_transport
    ? `${d.used_transport}${d.fallback_from ? ` (fallback from ${d.fallback_from})` : ''}`
    : '';
  if (d.ok) return path || 'ok';
  return `failed: ${d.code || 'error'}${path ? ` via ${path}` : ''}`;
}

/** The field as plain text, kept in data-value for tests and scripts. */
function plainValue(key, p) {
  switch (key) {
    case 'last_ready':
      return isUnset(p.last_ready_at) ? '' : p.last_ready_at;
    case 'retry_count':
      return String(p.retry_count ?? 0);
    default:
      return p[key] == null ? '' : String(p[key]);
  }
}
