/**
 * The dashboard's page logic (`/dashboard/app.js`), as text (see stateJs.ts): the token (asked once,
 * kept in sessionStorage), the live session list from `/v1/events`, and for the selected session its
 * facts, its DAG (`/dag/events`) and its log (`/logs?follow=1`). Every request carries the token.
 */
export const APP_JS = String.raw`// Tessera dashboard: the page.
import { applyPatches, createSseParser, sessionsFromSnapshot } from './state.js';
import { applyDagUpdate, createDagModel, describeRun, renderDag } from './dag.js';

const TOKEN_KEY = 'tessera.token';
const MAX_LOG_CHARS = 200000;
const RECONNECT_MS = 2000;
const $ = function (id) { return document.getElementById(id); };

let state = { sessions: {} };
let selected = null;
let eventsAbort = null;
let detailAbort = null;
let dag = null;
let dagView = null;
let renderQueued = false;

function token() { return sessionStorage.getItem(TOKEN_KEY); }

class HttpError extends Error {
  constructor(status, text) {
    super('HTTP ' + status + (text ? ': ' + text : ''));
    this.status = status;
  }
}

// Streams a response body as text to onText; rejects with an HttpError for a refused request.
async function stream(url, signal, onText) {
  const res = await fetch(url, { headers: { authorization: 'Bearer ' + token() }, signal: signal });
  if (!res.ok) throw new HttpError(res.status, (await res.text()).slice(0, 300));
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) return;
    onText(chunk.value);
  }
}

function setConnection(text) {
  $('connection').textContent = text;
  $('connection').dataset.state = text;
}

function showLogin(message) {
  $('login').hidden = false;
  $('main').hidden = true;
  $('forget').hidden = true;
  $('login-error').textContent = message || '';
  $('token').focus();
}

function forgetToken(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  if (eventsAbort) eventsAbort.abort();
  if (detailAbort) detailAbort.abort();
  state = { sessions: {} };
  selected = null;
  setConnection('signed out');
  showLogin(message);
}

function start() {
  if (!token()) return showLogin();
  $('login').hidden = true;
  $('main').hidden = false;
  $('forget').hidden = false;
  connectEvents();
}

async function connectEvents() {
  if (eventsAbort) eventsAbort.abort();
  const ctl = new AbortController();
  eventsAbort = ctl;
  setConnection('connecting');
  try {
    await stream('/v1/events', ctl.signal, createSseParser(onServerEvent));
  } catch (e) {
    if (ctl.signal.aborted) return;
    if (e.status === 401) return forgetToken('The server did not accept this token.');
  }
  if (ctl.signal.aborted) return;
  setConnection('reconnecting');
  setTimeout(function () { if (!ctl.signal.aborted) connectEvents(); }, RECONNECT_MS);
}

function onServerEvent(name, data) {
  const payload = JSON.parse(data);
  if (name === 'snapshot') state = sessionsFromSnapshot(payload);
  else if (name === 'patches' || name === 'patch') state = applyPatches(state, Array.isArray(payload) ? payload : payload.patches);
  else return;
  setConnection('live');
  queueRender();
}

function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(function () {
    renderQueued = false;
    renderSessions();
    renderDetail();
  });
}

function formatBytes(n) {
  if (typeof n !== 'number' || !(n >= 0)) return '\u2013';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? String(n) : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

function dagSummary(s) {
  const d = s.dag;
  if (!d || d.runs === 0) return 'no runs';
  return d.chunksDone + '/' + d.chunksTotal + (d.running ? ' running' : '') + ' \u00b7 ' + d.runs + ' run' + (d.runs === 1 ? '' : 's') + (d.failedRuns ? ', ' + d.failedRuns + ' failed' : '');
}

function renderSessions() {
  const list = Object.values(state.sessions).sort(function (a, b) {
    return a.startTime < b.startTime ? -1 : a.startTime > b.startTime ? 1 : a.id < b.id ? -1 : 1;
  });
  const body = $('sessions').tBodies[0];
  body.textContent = '';
  for (const s of list) {
    const row = document.createElement('tr');
    row.dataset.sessionId = s.id;
    row.tabIndex = 0;
    if (s.id === selected) row.className = 'selected';
    cell(row, s.name, 'name');
    cell(row, s.id.slice(0, 10), 'id').title = s.id;
    cell(row, s.kind);
    cell(row, s.status, 'status status-' + String(s.status).toLowerCase());
    cell(row, String(s.workers), 'num');
    cell(row, formatBytes(s.memoryInUse) + ' / ' + formatBytes(s.memory), 'num memory');
    cell(row, String(s.storeObjects), 'num objects');
    cell(row, dagSummary(s), 'dag');
    cell(row, s.expiryTime ? new Date(s.expiryTime).toLocaleTimeString() : '\u2013');
    row.addEventListener('click', function () { select(s.id); });
    row.addEventListener('keydown', function (e) { if (e.key === 'Enter') select(s.id); });
    body.appendChild(row);
  }
  $('no-sessions').hidden = list.length > 0;
}

function fact(list, name, value, id) {
  const dt = document.createElement('dt');
  dt.textContent = name;
  const dd = document.createElement('dd');
  dd.textContent = value;
  if (id) dd.id = id;
  list.append(dt, dd);
}

function renderDetail() {
  const s = selected ? state.sessions[selected] : undefined;
  $('detail').hidden = !selected;
  if (!selected) return;
  if (!s) {
    $('detail-title').textContent = 'Session ' + selected + ' is gone';
    if (detailAbort) detailAbort.abort();
    return;
  }
  $('detail-title').textContent = s.name + ' (' + s.id + ')';
  const facts = $('facts');
  facts.textContent = '';
  fact(facts, 'Status', s.status + (s.error ? ': ' + s.error.code + ' ' + s.error.message : ''), 'fact-status');
  fact(facts, 'Kind', s.kind + (s.replica && s.replica.count > 1 ? ', replica ' + s.replica.id + ' of ' + s.replica.count : ''));
  fact(facts, 'Workers', String(s.workers));
  fact(facts, 'Memory in use', formatBytes(s.memoryInUse) + ' of ' + (s.memoryRequested || formatBytes(s.memory)), 'fact-memory');
  fact(facts, 'Store objects', String(s.storeObjects), 'fact-objects');
  fact(facts, 'Started', s.startTime ? new Date(s.startTime).toLocaleString() : '\u2013');
  fact(facts, 'Expires', s.expiryTime ? new Date(s.expiryTime).toLocaleString() : '\u2013');
  if (s.resultName) fact(facts, 'Result name', s.resultName);
}

function select(id) {
  if (selected === id) return;
  selected = id;
  if (detailAbort) detailAbort.abort();
  const ctl = new AbortController();
  detailAbort = ctl;
  dag = null;
  dagView = null;
  $('dag-view').textContent = '';
  $('dag-status').textContent = 'Loading the DAG\u2026';
  delete $('dag-status').dataset.run;
  $('dag-store').textContent = '';
  $('logs').textContent = '';
  $('logs-status').textContent = 'following';
  followDag(id, ctl.signal);
  followLogs(id, ctl.signal);
  queueRender();
}

async function followDag(id, signal) {
  try {
    await stream('/v1/sessions/' + encodeURIComponent(id) + '/dag/events', signal, createSseParser(onDagEvent));
  } catch (e) {
    if (!signal.aborted) $('dag-status').textContent = 'The DAG is not available: ' + e.message;
  }
}

function onDagEvent(name, data) {
  const payload = JSON.parse(data);
  if (name === 'snapshot') {
    dag = createDagModel(payload);
    dagView = renderDag($('dag-view'), dag);
  } else if (name === 'update' && dag) {
    const changed = applyDagUpdate(dag, payload);
    if (changed) dagView.refresh(changed);
  } else {
    return;
  }
  const status = $('dag-status');
  const record = state.sessions[selected];
  status.textContent = record && record.kind === 'headless' && dag.run === 0
    ? 'A headless session runs its module in a process of its own: its DAG is drawn here once the module runs one; its output is in the log.'
    : describeRun(dag);
  status.dataset.run = String(dag.run);
  status.dataset.status = dag.status;
  $('dag-store').textContent = dag.store
    ? 'Store: ' + formatBytes(dag.store.memoryInUse) + ' in use of ' + formatBytes(dag.store.memoryLimit) + ', ' + dag.store.objects + ' objects.'
    : '';
}

async function followLogs(id, signal) {
  const logs = $('logs');
  try {
    await stream('/v1/sessions/' + encodeURIComponent(id) + '/logs?follow=1', signal, function (text) {
      const atBottom = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 4;
      logs.textContent = (logs.textContent + text).slice(-MAX_LOG_CHARS);
      if (atBottom) logs.scrollTop = logs.scrollHeight;
    });
    if (!signal.aborted) $('logs-status').textContent = 'ended';
  } catch (e) {
    if (!signal.aborted) $('logs-status').textContent = 'not available: ' + e.message;
  }
}

$('token-form').addEventListener('submit', function (e) {
  e.preventDefault();
  const value = $('token').value.trim();
  if (!value) return showLogin('Enter the bearer token the server was started with.');
  sessionStorage.setItem(TOKEN_KEY, value);
  $('token').value = '';
  start();
});
$('forget').addEventListener('click', function () { forgetToken(''); });
start();
`;
