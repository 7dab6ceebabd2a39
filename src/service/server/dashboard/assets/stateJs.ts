/**
 * The dashboard's client-side state module (`/dashboard/state.js`), kept as text so it ships in dist
 * with no build or copy step: immer patches applied to the page's copy of the registry state, and an
 * incremental parser of server-sent events (the page reads streams with fetch, because EventSource
 * cannot send the bearer token). Plain JS, written without template literals so it can live in one.
 */
export const STATE_JS = String.raw`// Tessera dashboard: the page's copy of the server's session registry.

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

// Applies immer patches ({op: 'add' | 'replace' | 'remove', path: [keys...], value}) in order, in place.
// Returns the new state (a patch with an empty path replaces the whole state).
export function applyPatches(state, patches) {
  for (const patch of patches) state = applyPatch(state, patch);
  return state;
}

export function applyPatch(state, patch) {
  const path = patch.path;
  if (!Array.isArray(path)) throw new Error('A patch needs an array path, got ' + JSON.stringify(path) + '.');
  if (path.length === 0) return patch.op === 'remove' ? undefined : patch.value;
  for (const key of path) {
    if (FORBIDDEN_KEYS.has(String(key))) throw new Error('Refusing patch path key ' + JSON.stringify(key) + '.');
  }
  let parent = state;
  for (let i = 0; i < path.length - 1; i++) {
    parent = parent === null || typeof parent !== 'object' ? undefined : parent[path[i]];
    if (parent === null || typeof parent !== 'object') {
      throw new Error('Patch path ' + JSON.stringify(path) + ' leads nowhere in the state: its parent is missing.');
    }
  }
  const key = path[path.length - 1];
  if (Array.isArray(parent)) {
    if (key === 'length') {
      parent.length = patch.value;
      return state;
    }
    const index = key === '-' ? parent.length : Number(key);
    if (patch.op === 'add') parent.splice(index, 0, patch.value);
    else if (patch.op === 'remove') parent.splice(index, 1);
    else parent[index] = patch.value;
  } else if (patch.op === 'remove') {
    delete parent[key];
  } else {
    parent[key] = patch.value;
  }
  return state;
}

// The first event of /v1/events: the caller's sessions, as {sessions: {id: record}} or a list of records.
export function sessionsFromSnapshot(data) {
  const list = Array.isArray(data) ? data : data && Array.isArray(data.sessions) ? data.sessions : undefined;
  if (list) {
    const sessions = {};
    for (const record of list) sessions[record.id] = record;
    return { sessions };
  }
  return { sessions: (data && data.sessions) || {} };
}

// Returns push(text): feed it the stream's text as it arrives; it calls onEvent(name, data) per event.
export function createSseParser(onEvent) {
  let buffer = '';
  return function push(text) {
    buffer = (buffer + text).replace(/\r\n/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line === '' || line[0] === ':') continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value[0] === ' ') value = value.slice(1);
        if (field === 'event') name = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) onEvent(name, data.join('\n'));
    }
  };
}
`;
