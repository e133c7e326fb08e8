// The dispatch_and_wait form: pick an agent, give a task and a wait, show the reply.
import { api, UnauthorizedError } from '../api.js';
import { fill, h, patchKeyed, setText } from '../dom.js';
import { badge, dash, duration, link, nodeHref } from '../format.js';

const DEFAULT_WAIT_SEC = 30;

export function dispatchForm({ onUnauthorized }) {
  const groupLocal = h('optgroup', { label: 'Gateway' });
  const groupNodes = h('optgroup', { label: 'Node branches' });
  const agentSelect = h(
    'select',
    { id: 'dispatch-agent', class: 'input', required: true, testid: 'dispatch-agent' },
    groupLocal,
    groupNodes,
  );
  const taskInput = h('textarea', {
    id: 'dispatch-task',
    class: 'input',
    rows: '3',
    required: true,
    placeholder: 'What should the agent do?',
    testid: 'dispatch-task',
  });
  const waitInput = h('input', {
    id: 'dispatch-wait',
    class: 'input',
    type: 'number',
    min: '1',
    max: '3600',
    value: String(DEFAULT_WAIT_SEC),
    testid: 'dispatch-wait',
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'dispatch-submit' }, 'Run task');
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true, testid: 'dispatch-error' });
  const reply = h('div', { class: 'reply', hidden: true, testid: 'dispatch-reply', 'aria-live': 'polite' });
  const replyHint = h(
    'p',
    { class: 'reply-hint' },
    'Pick an agent, describe the task and run it. The gateway waits for the reply and shows its status, result and the transport that carried it.',
  );

  const form = h(
    'form',
    { class: 'form', testid: 'dispatch-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'dispatch-agent' }, 'Agent'), agentSelect),
    h('div', { class: 'field' }, h('label', { for: 'dispatch-task' }, 'Task'), taskInput),
    h(
      'div',
      { class: 'form-row' },
      h('div', { class: 'field field-narrow' }, h('label', { for: 'dispatch-wait' }, 'Wait (seconds)'), waitInput),
      submit,
    ),
    formError,
  );

  // the agents of the page shown now, and the chosen agent, kept when it is on another page
  let shown = new Map();
  let kept = null;
  agentSelect.addEventListener('change', () => {
    kept = shown.get(agentSelect.value) || kept;
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const agentId = agentSelect.value;
    const task = taskInput.value.trim();
    const wait = Number(waitInput.value || DEFAULT_WAIT_SEC);
    const problem = validate(agentId, task, wait);
    formError.hidden = !problem;
    formError.textContent = problem;
    if (problem) return;
    submit.disabled = true;
    submit.textContent = 'Waiting for the reply…';
    reply.hidden = false;
    replyHint.hidden = true;
    reply.dataset.status = 'running';
    fill(
      reply,
      h(
        'div',
        { class: 'reply-head' },
        badge('running', { testid: 'dispatch-reply-status' }),
        h('span', { class: 'muted' }, `${agentId} · waiting up to ${wait} s`),
      ),
    );
    const started = performance.now();
    try {
      const result = await api.dispatchAndWait(agentId, task, wait);
      showReply(result.reply || {}, Math.round(performance.now() - started));
    } catch (e) {
      if (e instanceof UnauthorizedError) {
        onUnauthorized();
        return;
      }
      showReply(
        { status: 'failed', agent_id: agentId, code: e.code, error: e.message },
        Math.round(performance.now() - started),
      );
    } finally {
      submit.disabled = false;
      submit.textContent = 'Run task';
    }
  });

  function showReply(r, ms) {
    reply.dataset.status = r.status || 'unknown';
    fill(
      reply,
      h(
        'div',
        { class: 'reply-head' },
        badge(r.status, { testid: 'dispatch-reply-status' }),
        h('span', { class: 'muted' }, `${r.agent_id || ''} · ${duration(ms)}${r.task_id ? ` · ${r.task_id}` : ''}`),
      ),
      h(
        'dl',
        { class: 'kv' },
        h(
          'div',
          null,
          h('dt', null, 'Node'),
          h(
            'dd',
            null,
            r.node ? link(nodeHref(r.node), r.node, { class: 'mono' }) : h('span', { class: 'muted' }, 'local'),
          ),
        ),
        h(
          'div',
          null,
          h('dt', null, 'Used transport'),
          h(
            'dd',
            { testid: 'dispatch-reply-transport' },
            r.used_transport ? h('span', { class: 'chip chip-transport' }, r.used_transport) : dash(),
          ),
        ),
        h(
          'div',
          null,
          h('dt', null, 'Fallback from'),
          h(
            'dd',
            { testid: 'dispatch-reply-fallback' },
            r.fallback_from ? h('span', { class: 'chip chip-fallback' }, `↪ ${r.fallback_from}`) : dash(),
          ),
        ),
        r.code
          ? h(
              'div',
              null,
              h('dt', null, 'Code'),
              h('dd', { class: 'mono text-bad', testid: 'dispatch-reply-code' }, r.code),
            )
          : null,
        r.error
          ? h(
              'div',
              null,
              h('dt', null, 'Error'),
              h('dd', { class: 'text-bad', testid: 'dispatch-reply-error' }, r.error),
            )
          : null,
      ),
      r.result != null && r.result !== ''
        ? [
            h('div', { class: 'reply-label' }, 'Result'),
            h('pre', { class: 'reply-result', testid: 'dispatch-reply-result' }, prettyResult(r.result)),
          ]
        : null,
    );
  }

  return {
    el: h('div', { class: 'dispatch-layout' }, form, h('div', { class: 'dispatch-out' }, replyHint, reply)),
    select(agentId) {
      agentSelect.value = agentId;
      kept = shown.get(agentId) || kept;
      taskInput.focus();
      form.scrollIntoView({ behavior: 'smooth', block: 'center' });
    },
    /** The agents to choose from: the gateway's and those of the shown page; the chosen one stays chosen. */
    setAgents(registry) {
      const chosen = agentSelect.value;
      shown = new Map(registry.map((a) => [a.agent_id, a]));
      if (chosen && shown.has(chosen)) kept = shown.get(chosen);
      const list = kept && !shown.has(kept.agent_id) ? [...registry, kept] : registry;
      registry = list;
      const option = () => h('option');
      const update = (o, a) => {
        o.value = a.agent_id;
        const label = `${a.display_name || a.agent_id} — ${a.agent_id}${a.enabled === false ? ' (offline)' : ''}`;
        setText(o, label);
        o.disabled = a.enabled === false;
      };
      patchKeyed(
        groupLocal,
        registry.filter((a) => a.type !== 'node_branch'),
        (a) => a.agent_id,
        option,
        update,
      );
      patchKeyed(
        groupNodes,
        registry.filter((a) => a.type === 'node_branch'),
        (a) => a.agent_id,
        option,
        update,
      );
      groupNodes.hidden = groupNodes.children.length === 0;
      if (chosen && agentSelect.value !== chosen && list.some((a) => a.agent_id === chosen)) agentSelect.value = chosen;
    },
  };
}

function validate(agentId, task, wait) {
  if (!agentId) return 'Choose an agent.';
  if (!task) return 'Enter a task.';
  if (!(Number.isInteger(wait) && wait >= 1 && wait <= 3600))
    return 'Wait must be a whole number from 1 to 3600 seconds.';
  return '';
}

/** Pretty-prints a result that is JSON; other text stays as it is. */
function prettyResult(value) {
  if (typeof value !== 'string') return JSON.stringify(value, null, 2);
  const t = value.trim();
  if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
    try {
      return JSON.stringify(JSON.parse(t), null, 2);
    } catch (e) {
      return value;
    }
  }
  return value;
}
