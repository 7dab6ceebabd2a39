/**
 * The object store over the wire (Vineyard's RPC client), under `/v1/sessions/:id/store`: status, list,
 * metas, exists, get (the value's bytes: raw for a tensor or a blob, Arrow IPC for a table), put,
 * delete, persist, clear, label, shallow-copy, and names (put, get with wait, drop, list).
 *
 * Tokens are isolated here too. Persisted objects live in the process's shared catalog, which every
 * hosted session can see, so the server remembers which owner persisted each object (and everything it
 * refers to): another owner's object does not exist for a caller (`ObjectNotExists`, as for a missing
 * id) and is left out of listings. Names are bound in the catalog under the owner's prefix, so two
 * tokens may use the same name without meeting.
 */
import type { FastifyInstance } from 'fastify';
import { ObjectID } from '../../../store/objectId.js';
import { BLOB_TYPENAME, type ObjectMeta } from '../../../store/objectMeta.js';
import type { ObjectStore, StoreStatus } from '../../../store/objectStore.js';
import { StoredObject } from '../../../store/storedObject.js';
import { malformed } from '../../wire/errors.js';
import type { ServerContext } from '../context.js';
import { type Owners, OWNER_SEPARATOR as SEPARATOR } from '../objectOwners.js';
import { filterYielding, MAX_MATCHED_TEXT, wireMatcher } from '../wirePatterns.js';
import { remoteHandler, sendFrame, sendValue } from './remote.js';
import type { RemoteHosts } from './remoteHost.js';
import { storeRoute } from './remoteSchemas.js';

function withoutHidden(owner: string, owners: Owners, metas: readonly ObjectMeta[]): ObjectMeta[] {
  return metas.filter((m) => owners.visible(owner, m.id.toString()));
}

function listOptions(body: Record<string, unknown>): { pattern: string; regex: boolean; limit: number } {
  const { pattern, regex, limit } = body;
  if (typeof pattern !== 'string') throw malformed('pattern must be a string.');
  if (regex !== undefined && typeof regex !== 'boolean') throw malformed('regex must be true or false.');
  if (limit !== undefined && !(Number.isSafeInteger(limit) && (limit as number) >= 0)) throw malformed('limit must be a non-negative integer.');
  return { pattern, regex: regex === true, limit: (limit as number | undefined) ?? 5 };
}

/** Another owner's objects and names left out of the counts. */
function ownStatus(status: StoreStatus, names: number, hiddenObjects: number): StoreStatus {
  return { ...status, names, objects: status.objects - hiddenObjects, persisted: Math.max(0, status.persisted - hiddenObjects) };
}

export async function remoteStoreRoutes(app: FastifyInstance, ctx: ServerContext, hosts: RemoteHosts, owners: Owners): Promise<void> {
  const base = '/v1/sessions/:id/store';
  const route = (path: string, handle: Parameters<typeof remoteHandler>[2]): void => {
    app.post(`${base}${path}`, storeRoute(path), remoteHandler(ctx, hosts, handle));
  };
  const allNames = (store: ObjectStore, owner: string): Map<string, ObjectID> => store.listNames(`${owner}${SEPARATOR}*`, { limit: Number.MAX_SAFE_INTEGER });

  route('/status', async (r, reply) => {
    const store = r.engine.store;
    const hidden = store.list('*', { limit: Number.MAX_SAFE_INTEGER }).filter((m) => !owners.visible(r.owner, m.id.toString())).length;
    return sendFrame(reply, ownStatus(store.status(), allNames(store, r.owner).size, hidden));
  });
  route('/list', async (r, reply) => {
    const { pattern, regex, limit } = listOptions(r.body);
    const store = r.engine.store;
    // Matched here rather than by store.list, with the same result: the client's pattern runs on the
    // server's bounded matcher (wirePatterns.ts). Blobs come last and only for a glob naming them.
    const matches = wireMatcher(pattern, regex);
    const blobs = wireMatcher(pattern, false)?.(BLOB_TYPENAME) === true;
    if (!matches) return sendFrame(reply, []);
    // Listed without a limit, then cut: hidden objects must not use up the caller's limit.
    const all = withoutHidden(r.owner, owners, store.list('*', { limit: Number.MAX_SAFE_INTEGER }));
    return sendFrame(reply, await filterYielding(all, (m) => (m.typename === BLOB_TYPENAME ? blobs : matches(m.typename)), limit));
  });
  route('/metas', async (r, reply) => {
    const ids = r.body['ids'];
    if (!Array.isArray(ids)) throw malformed('ids must be a list of object ids.');
    const store = r.engine.store;
    return sendFrame(reply, store.getMetas(ids.map((id) => owners.check(r.owner, id))));
  });
  route('/exists', async (r, reply) => {
    const store = r.engine.store;
    const id = ObjectID.parse(String(r.body['id'])).toString();
    return reply.send({ exists: owners.visible(r.owner, id) && store.exists(id) });
  });
  route('/get', async (r, reply) => {
    const store = r.engine.store;
    const name = r.body['name'];
    const id = typeof name === 'string' ? store.getName(owners.name(r.owner, name)).toString() : owners.check(r.owner, r.body['id']);
    const value = store.get(id);
    return sendValue(reply, value instanceof StoredObject ? { kind: 'object', meta: value.meta } : value);
  });
  route('/put', async (r, reply) => {
    const store = r.engine.store;
    const options = (r.body['options'] ?? {}) as Record<string, unknown>;
    if (typeof options !== 'object' || options === null) throw malformed('options must be an object.');
    const { name, ...rest } = options;
    if (typeof rest['typename'] === 'string' && rest['typename'].length > MAX_MATCHED_TEXT) throw malformed(`options.typename must be at most ${MAX_MATCHED_TEXT} characters.`);
    const id = store.put(r.body['value'], { ...rest, ...(typeof name === 'string' ? { name: owners.name(r.owner, name) } : {}) } as never);
    if (options['persist'] === true) owners.record(r.owner, id.toString(), store);
    return reply.send({ id: id.toString() });
  });
  route('/delete', async (r, reply) => {
    const store = r.engine.store;
    const ids = r.body['ids'];
    if (!Array.isArray(ids)) throw malformed('ids must be a list of object ids.');
    const report = store.delete(ids.map((id) => owners.check(r.owner, id)), {
      ...(r.body['force'] === true ? { force: true } : {}),
      ...(r.body['deep'] === false ? { deep: false } : {}),
    });
    owners.prune((id) => store.exists(id));
    return sendFrame(reply, report);
  });
  route('/persist', async (r, reply) => {
    const store = r.engine.store;
    const id = owners.check(r.owner, r.body['id']);
    store.persist(id);
    owners.record(r.owner, id, store);
    return reply.send({ id });
  });
  route('/clear', async (r, reply) => {
    // The session's own store: its transient objects, and (asked) what it persisted — all the caller's.
    const store = r.engine.store;
    store.clear({ includePersisted: r.body['includePersisted'] === true });
    owners.prune((id) => store.exists(id));
    return reply.send({});
  });
  route('/label', async (r, reply) => {
    const store = r.engine.store;
    store.label(owners.check(r.owner, r.body['id']), r.body['labels'] as Record<string, string>);
    return reply.send({});
  });
  route('/shallow-copy', async (r, reply) => {
    const store = r.engine.store;
    const copy = store.shallowCopy(owners.check(r.owner, r.body['id']), (r.body['extra'] ?? {}) as Record<string, unknown>).toString();
    // A copy of a persisted object is persisted too: it is the caller's, like its source.
    if (!store.getMeta(copy).transient) owners.record(r.owner, copy, store);
    return reply.send({ id: copy });
  });
  route('/names/put', async (r, reply) => {
    const store = r.engine.store;
    const id = owners.check(r.owner, r.body['id']);
    store.putName(id, owners.name(r.owner, String(r.body['name'])), { overwrite: r.body['overwrite'] === true });
    return reply.send({});
  });
  route('/names/get', async (r, reply) => {
    const store = r.engine.store;
    const full = owners.name(r.owner, String(r.body['name']));
    if (r.body['wait'] !== true) return reply.send({ id: store.getName(full).toString() });
    const abort = new AbortController();
    reply.raw.on('close', () => abort.abort());
    const timeoutMs = r.body['timeoutMs'];
    const id = await store.getName(full, { wait: true, signal: abort.signal, ...(typeof timeoutMs === 'number' ? { timeoutMs } : {}) });
    return reply.send({ id: id.toString() });
  });
  route('/names/drop', async (r, reply) => {
    r.engine.store.dropName(owners.name(r.owner, String(r.body['name'])));
    return reply.send({});
  });
  route('/names/list', async (r, reply) => {
    const { pattern, regex, limit } = listOptions(r.body);
    // The caller's own names first (its prefix is hex, so the glob is plain), then the client's
    // pattern against each name without the prefix: no pattern can reach another owner's names.
    const matches = wireMatcher(pattern, regex);
    if (!matches) return reply.send({});
    const own = [...allNames(r.engine.store, r.owner)].map(([n, id]): [string, string] => [owners.unname(r.owner, n), id.toString()]);
    return reply.send(Object.fromEntries(await filterYielding(own, ([n]) => matches(n), limit)));
  });
}

