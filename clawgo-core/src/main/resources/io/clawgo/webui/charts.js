// Small inline SVG charts of the gateway's last hour (the `charts` section of GET /webui/api/nodes?summary=1): one
// value per minute, oldest first, the last one the current minute. Drawn with DOM calls only (no innerHTML, no
// library), styled by style.css (.chart, .series-N), so the CSP needs nothing new.

const NS = 'http://www.w3.org/2000/svg';
const W = 360;
const H = 150;
const M = { left: 44, right: 8, top: 10, bottom: 20 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
const MAX_COLORS = 8;

/** Creates an SVG element; attributes as strings; children: nodes or strings (text nodes). */
function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v != null && v !== false) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** x of minute i (0 = an hour ago, n - 1 = now). */
function xOf(i, n) {
  return M.left + (n <= 1 ? PW : (i * PW) / (n - 1));
}

/** A round upper bound for a linear axis: 1, 2, 5 times a power of ten. */
export function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

/** Milliseconds, short: 0.4 ms, 12 ms, 1.2 s. */
export function ms(v) {
  if (v == null) return '–';
  if (v < 1) return `${v.toFixed(2)} ms`;
  if (v < 10) return `${v.toFixed(1)} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  return `${(v / 1000).toFixed(v < 10000 ? 1 : 0)} s`;
}

function frame(title, testid, yLabels, n) {
  const svg = s('svg', {
    class: 'chart-svg',
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': title,
    'data-testid': testid,
    preserveAspectRatio: 'xMidYMid meet',
  });
  svg.append(s('title', null, title));
  for (const [y, label] of yLabels) {
    svg.append(s('line', { class: 'chart-grid', x1: M.left, x2: W - M.right, y1: y, y2: y }));
    svg.append(s('text', { class: 'chart-label', x: M.left - 5, y: y + 3.5, 'text-anchor': 'end' }, label));
  }
  const base = M.top + PH;
  svg.append(s('line', { class: 'chart-axis', x1: M.left, x2: W - M.right, y1: base, y2: base }));
  const xl = [
    [0, '-60 min', 'start'],
    [Math.floor((n - 1) / 2), '-30', 'middle'],
    [n - 1, 'now', 'end'],
  ];
  for (const [i, label, anchor] of xl) {
    svg.append(s('text', { class: 'chart-label', x: xOf(i, n), y: H - 5, 'text-anchor': anchor }, label));
  }
  return svg;
}

function empty(svg, text) {
  svg.append(s('text', { class: 'chart-empty', x: M.left + PW / 2, y: M.top + PH / 2, 'text-anchor': 'middle' }, text));
}

/** Polylines through the non-null values; a value with no neighbour is a dot. */
function line(values, yOf, cls) {
  const n = values.length;
  const out = [];
  let run = [];
  const flush = () => {
    if (run.length === 1) {
      const [x, y] = run[0];
      out.push(s('circle', { class: `${cls} chart-dot`, cx: x, cy: y, r: 2 }));
    } else if (run.length > 1) {
      out.push(s('polyline', { class: cls, points: run.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ') }));
    }
    run = [];
  };
  values.forEach((v, i) => {
    if (v == null) flush();
    else run.push([xOf(i, n), yOf(v)]);
  });
  flush();
  return out;
}

function colorOf(index) {
  return `series-${index % MAX_COLORS}`;
}

/** Dispatches per minute, one line per transport. */
export function rateChart(charts) {
  const series = charts.series || [];
  const n = (series[0] && series[0].count.length) || 60;
  const max = niceMax(Math.max(0, ...series.flatMap((x) => x.count)));
  const yOf = (v) => M.top + PH - (v / max) * PH;
  const svg = frame('Dispatches per minute, last hour', 'chart-rate', [
    [M.top, `${max}/min`],
    [M.top + PH / 2, `${max / 2}`],
    [M.top + PH, '0'],
  ], n);
  const total = series.reduce((sum, x) => sum + (x.total || 0), 0);
  svg.dataset.total = String(total);
  svg.dataset.series = series.map((x) => x.transport).join(',');
  if (!total) empty(svg, 'No dispatches in the last hour');
  series.forEach((x, i) => {
    for (const el of line(x.count.map((v) => v), yOf, `chart-line ${colorOf(i)}`)) svg.append(el);
    // failed dispatches: a red tick on the minute
    x.failed.forEach((f, m) => {
      if (f > 0) svg.append(s('circle', { class: 'chart-fail', cx: xOf(m, n), cy: yOf(f), r: 2.5 }));
    });
  });
  return svg;
}

/** p50 (solid) and p99 (dashed) latency per transport, on a logarithmic axis. */
export function latencyChart(charts) {
  const series = charts.series || [];
  const n = (series[0] && series[0].count.length) || 60;
  const all = series.flatMap((x) => [...x.p50_ms, ...x.p99_ms]).filter((v) => v != null && v > 0);
  const lo = all.length ? 10 ** Math.floor(Math.log10(Math.min(...all))) : 1;
  const hi = all.length ? 10 ** Math.ceil(Math.log10(Math.max(...all) * 1.0001)) : 100;
  const top = hi > lo ? hi : lo * 10;
  const yOf = (v) => M.top + PH - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(top) - Math.log10(lo))) * PH;
  const labels = [];
  for (let v = lo; v <= top * 1.0001; v *= 10) labels.push([yOf(v), ms(v)]);
  const svg = frame('Latency per transport, p50 solid and p99 dashed, last hour', 'chart-latency', labels, n);
  let points = 0;
  series.forEach((x, i) => {
    points += x.p50_ms.filter((v) => v != null).length;
    for (const el of line(x.p50_ms, yOf, `chart-line ${colorOf(i)}`)) svg.append(el);
    for (const el of line(x.p99_ms, yOf, `chart-line chart-dashed ${colorOf(i)}`)) svg.append(el);
  });
  svg.dataset.points = String(points);
  if (!points) empty(svg, 'No latency to show yet');
  return svg;
}

/** Fallbacks per minute (a P2P transport failed before the node ran the request and another one carried it). */
export function fallbackChart(charts) {
  const values = charts.fallbacks || [];
  const n = values.length || 60;
  const max = niceMax(Math.max(0, ...values));
  const total = values.reduce((a, b) => a + b, 0);
  const svg = frame('Fallbacks per minute, last hour', 'chart-fallbacks', [
    [M.top, `${max}/min`],
    [M.top + PH, '0'],
  ], n);
  svg.dataset.total = String(total);
  const bw = Math.max(1.5, PW / n - 1.5);
  values.forEach((v, i) => {
    if (v > 0) {
      const h = (v / max) * PH;
      svg.append(s('rect', { class: 'chart-bar', x: xOf(i, n) - bw / 2, y: M.top + PH - h, width: bw, height: h }));
    }
  });
  if (!total) empty(svg, 'No fallbacks in the last hour');
  return svg;
}

/** The class that colours transport number `index` of the series list (shared by the legend). */
export function seriesClass(index) {
  return colorOf(index);
}
