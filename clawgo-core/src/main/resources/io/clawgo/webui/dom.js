// Small DOM helpers. Strings always go in as text nodes or attribute values, never as HTML.

/**
 * Creates an element. `props`: class, text, testid, dataset{}, on<event> handlers, hidden, and any other attribute.
 * Children may be nodes, strings, numbers, arrays, null or false.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  appendAll(el, children);
  return el;
}

function appendAll(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the children of `el`; accepts the same children as h() (arrays, null and false are fine). */
export function fill(el, ...children) {
  el.replaceChildren();
  appendAll(el, children);
  return el;
}

/** Sets the text only when it changed (keeps selections and avoids layout work). */
export function setText(el, value) {
  const text = value == null ? '' : String(value);
  if (el.textContent !== text) el.textContent = text;
}

/** Sets an attribute only when it changed; null removes it. */
export function setAttr(el, name, value) {
  if (value == null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== String(value)) {
    el.setAttribute(name, String(value));
  }
}

/** Replaces the children of `el` only when `sig` differs from the last one rendered there. */
export function renderIfChanged(el, sig, render) {
  if (el._sig === sig) return false;
  el._sig = sig;
  fill(el, render());
  return true;
}

/**
 * Reconciles the children of `parent` with `items` by key: existing elements are kept and updated in place,
 * new ones created, missing ones removed, and the order fixed. `parent` must hold only elements made here.
 */
export function patchKeyed(parent, items, keyOf, create, update) {
  const existing = new Map();
  for (const child of Array.from(parent.children)) existing.set(child.dataset.key, child);
  const seen = new Map();
  let prev = null;
  for (const item of items) {
    const base = String(keyOf(item));
    const n = seen.get(base) || 0;
    seen.set(base, n + 1);
    const key = n === 0 ? base : `${base}#${n}`;
    let el = existing.get(key);
    if (el) {
      existing.delete(key);
    } else {
      el = create(item);
      el.dataset.key = key;
    }
    update(el, item);
    const ref = prev ? prev.nextSibling : parent.firstChild;
    if (el !== ref) parent.insertBefore(el, ref);
    prev = el;
  }
  for (const el of existing.values()) el.remove();
}

/**
 * Table body reconciliation: one <tr> per row, rebuilt only when the row's data changed.
 * `cells(row)` returns one entry per column: a <td> element, or content to wrap in a <td>.
 */
export function patchRows(tbody, rows, keyOf, cells, rowProps) {
  patchKeyed(
    tbody,
    rows,
    keyOf,
    () => h('tr'),
    (tr, row) => {
      const sig = JSON.stringify(row);
      if (tr._sig === sig) return;
      tr._sig = sig;
      const props = rowProps ? rowProps(row) : {};
      for (const [k, v] of Object.entries(props)) {
        if (k === 'testid') tr.dataset.testid = v;
        else if (k === 'class') tr.className = v;
        else tr.setAttribute(k, v);
      }
      tr.replaceChildren(...cells(row).map((c) => (c instanceof HTMLTableCellElement ? c : h('td', null, c))));
    },
  );
}

/** A horizontally scrollable table with a header row; returns {wrap, tbody}. */
export function table(columns, testid) {
  const tbody = h('tbody');
  const wrap = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', testid },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          columns.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      tbody,
    ),
  );
  return { wrap, tbody };
}
