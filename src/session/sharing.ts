/**
 * Sharing results between sessions of a process (`persist` / `getNamed`). What another session gets
 * depends on what the result is:
 * - data (a tensor, a selected array, a table): its value, assembled from the persisted global object
 *   alone (type, shape, dtype, chunk grid; the chunks are its members), without the DAG that made it;
 * - a graph or a context: something to compute with, not a summary of it. `persist` publishes a share
 *   object (`tessera::SharedGraph` / `tessera::SharedContext`) holding the node's meta and its result —
 *   and, for a context, its projected graph, which its selectors read (`v.id`, `v.data`) — and
 *   `getNamed` gives a `Graph` or `Context` handle of the reading session. Apps, projections and
 *   selectors on it run in that session, from the persisted values (shared, not copied, until a run
 *   stores its own chunk).
 */
import type { NodeMeta, TileableNode } from '../dag/nodes.js';
import { assemble } from '../ops/assemble.js';
import { persistedNode } from '../ops/graph/persisted.js';
import { InvalidArgumentError } from '../base/errors.js';
import type { ObjectStore } from '../store/objectStore.js';
import { ObjectID } from '../store/objectId.js';
import { type JsonValue, MetaBuilder } from '../store/objectMeta.js';
import type { StoredObject } from '../store/storedObject.js';
import type { Session } from './session.js';

const SHARED: Readonly<Record<string, string>> = { graph: 'tessera::SharedGraph', context: 'tessera::SharedContext' };

/** Makers of handles (`Graph`, `Context`) by node type; the api layer registers them. */
const handleMakers = new Map<string, (node: TileableNode) => unknown>();

export function registerSharedHandle(type: string, make: (node: TileableNode) => unknown): void {
  handleMakers.set(type, make);
}

/** What must be executed next to `node` for another session to use it: a context's projected graph. */
export function sharedInputs(node: TileableNode): readonly TileableNode[] {
  return node.meta.type === 'context' ? [node.inputs[0]!] : [];
}

/**
 * The object `persist` publishes for an executed `node` (`resultId` gives the global object of an
 * executed node): for data, that global object; for a graph or a context, a new share object over it.
 */
export function sharedObjectId(objects: ObjectStore, node: TileableNode, resultId: (n: TileableNode) => string): string {
  const typename = SHARED[node.meta.type];
  if (typename === undefined) return resultId(node);
  const share = new MetaBuilder(typename).set('node', describe(node)).addMember('result', ObjectID.parse(resultId(node)));
  for (const [i, input] of sharedInputs(node).entries()) {
    share.set(`input-${i}`, describe(input)).addMember(`input-${i}`, ObjectID.parse(resultId(input)));
  }
  return objects.create(share).id.toString();
}

function describe(node: TileableNode): JsonValue {
  return { key: node.key, meta: node.meta as unknown as JsonValue };
}

/** The value of a persisted object (data), or a handle of `session` (a graph or a context). */
export function readGlobal(objects: ObjectStore, id: ObjectID | string, session: Session): unknown {
  const object = objects.getObject(id);
  if (Object.values(SHARED).includes(object.meta.typename)) return sharedHandle(objects, object, session);
  const meta = object.meta;
  const type = meta.get('type');
  const chunkKeys = meta.get('chunkKeys');
  if (typeof type !== 'string' || !Array.isArray(chunkKeys)) {
    throw new InvalidArgumentError(`object ${String(id)} (${meta.typename}) is not a Tessera result; read it with store.get().`);
  }
  const chunks = chunkKeys.map((_, i) => objects.get(object.member(`chunk-${i}`).id));
  const node = {
    kind: 'tileable',
    key: String(meta.get('tileableKey')),
    op: 'stored',
    params: {},
    inputs: [],
    origin: undefined,
    meta: { type, shape: meta.get('shape'), dtype: meta.get('dtype') },
  } as unknown as TileableNode;
  const nsplits = (meta.get('nsplits') ?? []) as number[][];
  return assemble(node, { nsplits, chunks: chunkKeys as string[] }, chunks);
}

function sharedHandle(objects: ObjectStore, share: StoredObject, session: Session): unknown {
  // A graph-family result is one chunk: its global object's only member.
  const node = (name: string, inputs: readonly TileableNode[]): TileableNode => {
    const { key, meta } = share.meta.get(name) as unknown as { key: string; meta: NodeMeta };
    return persistedNode(key, meta, objects.get(share.member(name === 'node' ? 'result' : name).member('chunk-0').id), inputs);
  };
  const inputs = share.meta.has('input-0') ? [node('input-0', [])] : [];
  const shared = node('node', inputs);
  const make = handleMakers.get(shared.meta.type);
  if (!make) throw new InvalidArgumentError(`a shared ${shared.meta.type} needs the graph API loaded (import { graph } from 'tessera').`);
  return session.scope(() => make(shared));
}
