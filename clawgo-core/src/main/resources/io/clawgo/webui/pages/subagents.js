// Subagents: the agent topology (main, local agents, one node.<id>.main branch per node of the page) and a
// dispatch_and_wait form. The node branches come from `trees` of one page of GET /webui/api/nodes.
import { api } from '../api.js';
import { h, patchKeyed, patchRows, table } from '../dom.js';
import { badge, dash, orDash, panel, timeEl } from '../format.js';
import { agentCard, updateAgentCard } from './agent-card.js';
import { dispatchForm } from './dispatch-form.js';
import { fleetQuery } from './fleet-query.js';

export const id = 'subagents';
export const title = 'Subagents';

const MAIN_FALLBACK = { agent_id: 'main', display_name: 'Main Agent', type: 'router', enabled: true, online: true };
const PAGE_SIZE = 50;

/** The agents of `trees` as a flat list, each with its parent_agent_id (as the subagent registry lists them). */
export function flatten(trees) {
  const out = [];
  const walk = (n, parent) => {
    if (!n) return;
    out.push({ ...n, parent_agent_id: n.parent_agent_id || parent || '', children: undefined });
    for (const c of n.children || []) walk(c, n.agent_id);
  };
  for (const t of trees || []) walk(t.root && t.root.root, '');
  return out;
}

export function create({ onUnauthorized, onError }) {
  const rootSlot = h('div', { class: 'topo-root' });
  const localCards = h('div', { class: 'topo-cards', testid: 'topology-local-cards' });
  const localEmpty = h('p', { class: 'empty', hidden: true }, 'No local agents besides main.');
  const branchCards = h('div', { class: 'topo-cards', testid: 'topology-node-cards' });
  const branchEmpty = h(
    'p',
    { class: 'empty', hidden: true, testid: 'topology-nodes-empty' },
    'No node branches: no node has registered yet.',
  );
  const topology = h(
    'div',
    { class: 'topology', testid: 'topology' },
    rootSlot,
    h(
      'div',
      { class: 'topo-groups' },
      h(
        'section',
        { class: 'topo-group', testid: 'topology-local' },
        h('h3', null, 'Gateway agents'),
        localCards,
        localEmpty,
      ),
      h(
        'section',
        { class: 'topo-group', testid: 'topology-nodes' },
        h('h3', null, 'Node branches'),
        branchCards,
        branchEmpty,
      ),
    ),
  );

  const form = dispatchForm({ onUnauthorized });
  const query = fleetQuery({
    prefix: 'subagents',
    pageSize: PAGE_SIZE,
    placeholder: 'Filter node branches by node id, name, os, tag…',
    onChange: () => load(false).catch(onError),
  });
  let seq = 0;
  const tasks = table(
    ['Task', 'Agent', 'Status', 'Transport', 'Fallback from', 'Created', 'Result / error'],
    'tasks-table',
  );
  const tasksEmpty = h('p', { class: 'empty', hidden: true, testid: 'tasks-empty' }, 'No subagent tasks yet.');

  const root = h(
    'div',
    { class: 'page-subagents', testid: 'page-subagents' },
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, 'Subagents'),
      h(
        'p',
        { class: 'muted' },
        'The agent topology with the live P2P state of every node branch. Hover or focus a card for details.',
      ),
    ),
    panel(
      'Agent topology',
      { testid: 'topology-panel' },
      h('div', { class: 'toolbar' }, query.controls),
      topology,
      h('div', { class: 'toolbar toolbar-end' }, query.pager),
    ),
    panel('Run a task (dispatch_and_wait)', { testid: 'dispatch-panel' }, form.el),
    panel('Recent tasks', { testid: 'tasks-panel' }, tasks.wrap, tasksEmpty),
  );

  function useAgent(agentId) {
    form.select(agentId);
  }

  function render(registry, nodesData, taskList) {
    query.update(nodesData.page);
    const p2p = nodesData.p2p || {};
    const sessions = new Map((p2p.nodes || []).map((s) => [s.node, s]));
    const lastDispatch = new Map();
    for (const d of nodesData.dispatches || []) if (!lastDispatch.has(d.node)) lastDispatch.set(d.node, d);
    const ctx = { p2p, sessions, lastDispatch, useAgent };

    const cards = (parent, agents) =>
      patchKeyed(
        parent,
        agents,
        (a) => a.agent_id,
        (a) => agentCard(a, ctx),
        (el, a) => updateAgentCard(el, a, ctx),
      );

    const main = registry.find((a) => a.agent_id === 'main') || MAIN_FALLBACK;
    cards(rootSlot, [main]);

    const locals = registry.filter((a) => a.agent_id !== 'main' && a.type !== 'node_branch');
    localEmpty.hidden = locals.length > 0;
    cards(localCards, locals);

    // one block per node: its node.<id>.main card, and the node's other agents below it
    const branches = registry.filter((a) => a.type === 'node_branch' && a.agent_id === `node.${a.node_id}.main`);
    const childrenOf = (b) => registry.filter((a) => a.type === 'node_branch' && a.parent_agent_id === b.agent_id);
    branchEmpty.hidden = branches.length > 0;
    patchKeyed(
      branchCards,
      branches,
      (b) => b.agent_id,
      (b) =>
        h(
          'div',
          { class: 'branch', testid: 'branch', dataset: { node: b.node_id } },
          h('div', { class: 'branch-main' }),
          h('div', { class: 'branch-children' }),
        ),
      (el, b) => {
        cards(el.firstChild, [b]);
        cards(el.lastChild, childrenOf(b));
      },
    );

    form.setAgents(registry);

    const recent = taskList.slice(0, 10);
    tasks.wrap.hidden = recent.length === 0;
    tasksEmpty.hidden = recent.length > 0;
    patchRows(
      tasks.tbody,
      recent,
      (t) => t.id,
      (t) => [
        h('span', { class: 'mono', title: t.task || '' }, t.id),
        h('span', { class: 'mono' }, t.agent_id),
        h('td', { dataset: { col: 'status' } }, badge(t.status)),
        t.used_transport ? h('span', { class: 'chip chip-transport' }, t.used_transport) : dash(),
        t.fallback_from ? h('span', { class: 'chip chip-fallback' }, `↪ ${t.fallback_from}`) : dash(),
        timeEl(t.created),
        h('td', { class: 'cell-error' }, t.error ? h('span', { class: 'text-bad' }, t.error) : orDash(t.result)),
      ],
      () => ({ testid: 'task-row' }),
    );
  }

  let taskList = [];

  /** Loads the page of node branches the query asks for (and, unless only the query changed, the tasks). */
  async function load(withTasks) {
    const mine = ++seq;
    const [nodesData, tasks] = await Promise.all([
      api.nodesPage(query.params()),
      withTasks ? api.tasks() : Promise.resolve(taskList),
    ]);
    if (mine !== seq || !query.isCurrent(nodesData.page)) return;
    taskList = tasks;
    render(flatten(nodesData.trees), nodesData, taskList);
  }

  return {
    el: root,
    refresh: () => load(true),
  };
}
