// The gateway API client: every call carries the tab's token as a Bearer header.

const TOKEN_KEY = 'clawgo.gateway.token';

/** The gateway answered 401: the token is wrong (or was changed on the gateway). */
export class UnauthorizedError extends Error {
  constructor(message) {
    super(message || 'unauthorized');
    this.name = 'UnauthorizedError';
  }
}

/** Any other failure: network, non-2xx status, or an {ok:false} body. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The token lives in sessionStorage: one tab, gone when the tab closes. */
export const auth = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  },
  set(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

async function call(method, path, body, token = auth.token) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (e) {
    throw new ApiError(0, 'network', 'The gateway cannot be reached.');
  }
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = null;
  }
  if (res.status === 401) {
    throw new UnauthorizedError(data && data.error);
  }
  if (!res.ok || !data || data.ok === false) {
    const code = (data && data.code) || `http_${res.status}`;
    const message = (data && data.error) || `HTTP ${res.status} ${res.statusText}`.trim();
    throw new ApiError(res.status, code, message);
  }
  return data;
}

function runtime(body) {
  return call('POST', '/webui/api/subagents_runtime', body).then((d) => d.result || {});
}

export const api = {
  /** GET /webui/api/version; `token` lets the login form try a token before keeping it. */
  version: (token) => call('GET', '/webui/api/version', undefined, token),
  /** GET /webui/api/nodes: nodes, trees, p2p, dispatches (20 newest), alerts. Every node: large fleets page. */
  nodes: () => call('GET', '/webui/api/nodes'),
  /** GET /webui/api/nodes?summary=1: stats, alerts, P2P totals, dispatches, charts; no per-node list. */
  summary: () => call('GET', '/webui/api/nodes?summary=1'),
  /**
   * One page of the fleet: GET /webui/api/nodes?limit=&offset=&q=&online=&id=. `nodes`, `trees` and `p2p.nodes`
   * hold the page; `page` says how many match; `stats` and `alerts` cover the whole fleet.
   */
  nodesPage: ({ limit = 50, offset = 0, q = '', online = '', id = '' } = {}) => {
    const p = new URLSearchParams({ limit: String(limit), offset: String(offset) });
    if (q) p.set('q', q);
    if (online) p.set('online', online);
    if (id) p.set('id', id);
    return call('GET', `/webui/api/nodes?${p}`);
  },
  /** GET /webui/api/node_dispatches: the dispatch audit, newest first. */
  dispatches: (limit = 500, node = '') =>
    call(
      'GET',
      `/webui/api/node_dispatches?limit=${encodeURIComponent(limit)}` +
        (node ? `&node=${encodeURIComponent(node)}` : ''),
    ).then((d) => d.items || []),
  /** The agent registry: local agents and one node.<id>.main branch per node. */
  registry: () => runtime({ action: 'registry' }).then((r) => r.items || []),
  /** Subagent tasks, newest first. */
  tasks: (limit = 50) => runtime({ action: 'list', limit }).then((r) => r.items || []),
  /** Runs a task on an agent and waits for its reply. */
  dispatchAndWait: (agentId, task, waitSec) =>
    runtime({ action: 'dispatch_and_wait', agent_id: agentId, task, wait_timeout_sec: waitSec }),
};

/**
 * Reads the server-sent events of GET /webui/api/events until the stream ends, `signal` aborts it, or it fails.
 * fetch() rather than EventSource: EventSource cannot send the Authorization header, and the token is never put in a
 * URL or a cookie. `onOpen` runs once the gateway accepted the stream, `onData` on every chunk (keep-alives too),
 * `onEvent({type, data})` per event with its JSON data.
 */
export async function readEvents({ signal, onOpen, onData, onEvent }) {
  const headers = { Accept: 'text/event-stream' };
  if (auth.token) headers.Authorization = `Bearer ${auth.token}`;
  let res;
  try {
    res = await fetch('/webui/api/events', { headers, cache: 'no-store', credentials: 'omit', signal });
  } catch (e) {
    if (signal.aborted) return;
    throw new ApiError(0, 'network', 'The gateway cannot be reached.');
  }
  if (res.status === 401) throw new UnauthorizedError();
  if (!res.ok || !res.body || !(res.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    throw new ApiError(res.status, (data && data.code) || `http_${res.status}`, (data && data.error) || 'no event stream');
  }
  onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let type = 'message';
  let data = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      onData();
      buf += value;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        let line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '') {
          if (data.length) {
            let parsed = null;
            try {
              parsed = JSON.parse(data.join('\n'));
            } catch (e) {
              parsed = null;
            }
            if (parsed) onEvent({ type, data: parsed });
          }
          type = 'message';
          data = [];
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let v = colon < 0 ? '' : line.slice(colon + 1);
          if (v.startsWith(' ')) v = v.slice(1);
          if (field === 'event') type = v;
          else if (field === 'data') data.push(v);
        }
      }
    }
  } catch (e) {
    if (signal.aborted) return;
    throw new ApiError(0, 'network', 'The event stream broke off.');
  } finally {
    reader.cancel().catch(() => {});
  }
}
