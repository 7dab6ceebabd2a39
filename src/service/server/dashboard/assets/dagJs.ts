/**
 * The dashboard's DAG module (`/dashboard/dag.js`), as text (see stateJs.ts): the page's model of a
 * run (a snapshot from `/dag/events`, then count updates per drawn node) and its SVG — nodes in
 * columns by topological level, coloured by state; a node standing for many chunks shows them as a
 * stacked bar. Layout is plain arithmetic so it stays quick at a thousand nodes.
 */
export const DAG_JS = String.raw`// Tessera dashboard: a run's chunk DAG.

export const STATES = ['pending', 'running', 'done', 'failed'];
export const COLOURS = { pending: '#cfd5dd', running: '#f0b429', done: '#2f9e5a', failed: '#d64545' };
const SVG = 'http://www.w3.org/2000/svg';

export function createDagModel(snapshot) {
  return Object.assign({}, snapshot, { counts: snapshot.counts.slice(), totals: snapshot.totals.slice() });
}

// Applies an update of the same run; returns the changed node indices, or null when the update is of
// another run (a snapshot of that run is on its way).
export function applyDagUpdate(model, update) {
  if (update.run !== model.run) return null;
  const changed = [];
  const c = update.changes;
  for (let k = 0; k + 4 < c.length; k += 5) {
    const node = c[k];
    for (let s = 0; s < 4; s++) model.counts[4 * node + s] = c[k + 1 + s];
    changed.push(node);
  }
  model.status = update.status;
  model.totals = update.totals.slice();
  if (update.store) model.store = update.store;
  return changed;
}

// 'pending' | 'running' | 'done' | 'failed' when all of a node's chunks agree, else 'mixed'.
export function nodeState(model, node) {
  let state = null;
  for (let s = 0; s < 4; s++) {
    if (model.counts[4 * node + s] === 0) continue;
    if (state !== null) return 'mixed';
    state = STATES[s];
  }
  return state || 'pending';
}

export function describeRun(model) {
  if (!model || model.run === 0) return 'No run yet: the DAG appears when this session runs one.';
  const t = model.totals;
  let text = 'Run ' + model.run + ' ' + model.status + ': ' + model.chunks + ' chunks (' +
    t[0] + ' pending, ' + t[1] + ' running, ' + t[2] + ' done, ' + t[3] + ' failed)';
  if (model.grouped) text += '; drawn one node per stage (a tileable\'s chunks of one kernel)';
  if (model.hiddenChunks > 0) text += '; ' + model.hiddenChunks + ' chunks beyond the first ' + model.nodes.length + ' nodes not drawn';
  if (model.hiddenEdges > 0) text += '; ' + model.hiddenEdges + ' edges not drawn';
  return text + '.';
}

// Positions: a band of columns per level (nodes sorted by label, wrapped every maxRows), left to right.
export function layoutNodes(nodes) {
  const compact = nodes.length > 150;
  const w = compact ? 12 : 144;
  const h = compact ? 12 : 22;
  const gapX = compact ? 4 : 10;
  const gapY = compact ? 4 : 8;
  const levelGap = compact ? 24 : 48;
  const maxRows = compact ? 50 : 30;
  const pad = 10;
  const top = pad + 18;
  const byLevel = [];
  nodes.forEach(function (node, i) {
    (byLevel[node.level] = byLevel[node.level] || []).push(i);
  });
  const boxes = new Array(nodes.length);
  const bands = [];
  let x = pad;
  let height = 0;
  byLevel.forEach(function (members, level) {
    if (!members) return;
    members.sort(function (a, b) {
      return nodes[a].label < nodes[b].label ? -1 : nodes[a].label > nodes[b].label ? 1 : a - b;
    });
    members.forEach(function (node, k) {
      const col = Math.floor(k / maxRows);
      const row = k % maxRows;
      boxes[node] = { x: x + col * (w + gapX), y: top + row * (h + gapY), w: w, h: h };
    });
    const width = Math.ceil(members.length / maxRows) * (w + gapX) - gapX;
    bands.push({ level: level, x: x, w: width });
    height = Math.max(height, top + Math.min(members.length, maxRows) * (h + gapY) - gapY + pad);
    x += width + levelGap;
  });
  return { boxes: boxes, bands: bands, width: Math.max(x - levelGap + pad, 2 * pad), height: Math.max(height, top + pad), compact: compact };
}

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  if (parent) parent.appendChild(e);
  return e;
}

// A node's text, at most 19 characters (what a node box holds): the kernel without its family, the count.
function nodeText(node) {
  const count = node.size > 1 ? ' \u00d7' + node.size : '';
  const room = 19 - count.length;
  const s = node.label.replace(/^(tensor|graph|dataframe)\./, '');
  return (s.length > room ? s.slice(0, room - 1) + '\u2026' : s) + count;
}

// Draws the model into container; returns { refresh(changedNodes) } to recolour nodes in place.
export function renderDag(container, model) {
  container.textContent = '';
  const layout = layoutNodes(model.nodes);
  const svg = el('svg', { width: layout.width, height: layout.height, viewBox: '0 0 ' + layout.width + ' ' + layout.height, role: 'img' }, container);
  svg.setAttribute('aria-label', 'Chunk DAG of run ' + model.run);
  const bands = el('g', { class: 'levels' }, svg);
  layout.bands.forEach(function (band, k) {
    el('rect', { x: band.x - 4, y: 4, width: band.w + 8, height: layout.height - 8, rx: 4, fill: k % 2 ? '#f1f3f6' : '#e9edf2' }, bands);
    const label = el('text', { x: band.x, y: 18, 'font-size': 10, fill: '#586374' }, bands);
    label.textContent = layout.compact && band.w < 40 ? String(band.level) : 'level ' + band.level;
  });
  if (model.edges.length / 2 <= 2000) {
    const edges = el('g', { class: 'edges', fill: 'none', stroke: '#98a2b3', 'stroke-opacity': layout.compact ? 0.35 : 0.7 }, svg);
    for (let e = 0; e + 1 < model.edges.length; e += 2) {
      const a = layout.boxes[model.edges[e]];
      const b = layout.boxes[model.edges[e + 1]];
      const x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x, y2 = b.y + b.h / 2, mx = (x1 + x2) / 2;
      el('path', { d: 'M' + x1 + ' ' + y1 + ' C' + mx + ' ' + y1 + ' ' + mx + ' ' + y2 + ' ' + x2 + ' ' + y2 }, edges);
    }
  }
  const group = el('g', { class: 'nodes' }, svg);
  const items = model.nodes.map(function (node, i) {
    const box = layout.boxes[i];
    const g = el('g', { class: 'chunk', 'data-node': i }, group);
    const rect = el('rect', { x: box.x, y: box.y, width: box.w, height: box.h, rx: 3 }, g);
    const bars = node.size > 1 ? STATES.slice(1).map(function (s) {
      return el('rect', { x: box.x, y: box.y, width: 0, height: box.h, rx: 3, fill: COLOURS[s], 'pointer-events': 'none' }, g);
    }) : [];
    if (!layout.compact) {
      const text = el('text', { x: box.x + 6, y: box.y + box.h / 2 + 4, 'font-size': 11, 'pointer-events': 'none' }, g);
      text.textContent = nodeText(node);
    }
    const title = el('title', {}, g);
    return { g: g, rect: rect, bars: bars, title: title, box: box, node: node };
  });
  function paint(i) {
    const item = items[i];
    const state = nodeState(model, i);
    const counts = model.counts.slice(4 * i, 4 * i + 4);
    item.g.setAttribute('data-state', state);
    item.rect.setAttribute('fill', state === 'mixed' ? COLOURS.pending : COLOURS[state]);
    let x = item.box.x;
    item.bars.forEach(function (bar, k) {
      const width = (item.box.w * counts[k + 1]) / item.node.size;
      bar.setAttribute('x', x);
      bar.setAttribute('width', width);
      x += width;
    });
    const what = item.node.size > 1
      ? item.node.size + ' chunks: ' + STATES.map(function (s, k) { return counts[k] + ' ' + s; }).join(', ')
      : state;
    item.title.textContent = item.node.label + ' (level ' + item.node.level + '): ' + what;
  }
  items.forEach(function (_, i) { paint(i); });
  return {
    refresh: function (changed) {
      for (const i of changed) if (i >= 0 && i < items.length) paint(i);
    },
  };
}
`;
