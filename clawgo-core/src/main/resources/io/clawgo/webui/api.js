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
  /** GET /webui/api/nodes: nodes, trees, p2p, dispatches (20 newest), alerts. */
  nodes: () => call('GET', '/webui/api/nodes'),
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
