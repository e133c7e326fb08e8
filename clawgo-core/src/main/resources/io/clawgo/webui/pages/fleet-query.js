// The filter box, the online choice and the pager of a page that shows the fleet one page at a time. The gateway
// filters (GET /webui/api/nodes?q=&online=&limit=&offset=), so a fleet of any size costs one page per request.
import { h, setText } from '../dom.js';

const DEBOUNCE_MS = 300;

/**
 * `onChange()` runs when the query changed: after typing stops for 300 ms, at once for the online choice and the
 * pager. `update(page)` takes the response's `page` section. `params()` is the query for api.nodesPage().
 */
export function fleetQuery({ prefix, pageSize, placeholder, onChange }) {
  const state = { q: '', online: '', offset: 0 };
  let debounce = 0;

  const filter = h('input', {
    type: 'search',
    class: 'input',
    placeholder,
    'aria-label': placeholder,
    testid: `${prefix}-filter`,
  });
  const online = h(
    'select',
    { class: 'input input-narrow', 'aria-label': 'Online or offline', testid: `${prefix}-online` },
    h('option', { value: '' }, 'All nodes'),
    h('option', { value: 'true' }, 'Online'),
    h('option', { value: 'false' }, 'Offline'),
  );
  const prev = h('button', { type: 'button', class: 'btn btn-sm', testid: `${prefix}-prev` }, '‹ Previous');
  const next = h('button', { type: 'button', class: 'btn btn-sm', testid: `${prefix}-next` }, 'Next ›');
  const range = h('span', { class: 'muted pager-range', testid: `${prefix}-range`, 'aria-live': 'polite' });
  const pager = h('div', { class: 'pager', testid: `${prefix}-pager` }, prev, range, next);

  filter.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      const q = filter.value.trim();
      if (q === state.q) return;
      state.q = q;
      state.offset = 0;
      onChange();
    }, DEBOUNCE_MS);
  });
  online.addEventListener('change', () => {
    state.online = online.value;
    state.offset = 0;
    onChange();
  });
  prev.addEventListener('click', () => {
    state.offset = Math.max(0, state.offset - pageSize);
    onChange();
  });
  next.addEventListener('click', () => {
    state.offset += pageSize;
    onChange();
  });

  return {
    filter,
    controls: [filter, online],
    pager,
    params: () => ({ limit: pageSize, offset: state.offset, q: state.q, online: state.online }),
    /** Whether `data` answers the current query (a slower, older answer is dropped). */
    isCurrent: (page) => {
      const f = (page && page.filter) || {};
      return (
        page &&
        page.offset === state.offset &&
        (f.q || '') === state.q.toLowerCase().split(/\s+/).filter(Boolean).join(' ') &&
        String(f.online ?? '') === state.online
      );
    },
    update(page) {
      if (!page) return;
      const matching = page.matching ?? 0;
      if (page.offset >= matching && matching > 0 && state.offset > 0) {
        // the fleet shrank below this page: go to the last page
        state.offset = Math.floor((matching - 1) / pageSize) * pageSize;
        onChange();
        return;
      }
      const first = matching === 0 ? 0 : page.offset + 1;
      const last = page.offset + (page.returned ?? 0);
      const filtered = state.q || state.online;
      setText(
        range,
        `${first.toLocaleString('en-US')}–${last.toLocaleString('en-US')} of ${matching.toLocaleString('en-US')}` +
          (filtered ? ` matching (${(page.total ?? 0).toLocaleString('en-US')} in all)` : ''),
      );
      prev.disabled = page.offset <= 0;
      next.disabled = last >= matching;
      pager.hidden = !filtered && matching <= pageSize && page.offset === 0;
    },
  };
}
