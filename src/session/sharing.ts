/**
 * Reading a result another session persisted: its global object carries what the result is (type,
 * shape, dtype, chunk grid) and its chunks as members, so the value is assembled from the store alone,
 * without the DAG that made it.
 */
import type { TileableNode } from '../dag/nodes.js';
import { assemble } from '../ops/assemble.js';
import { InvalidArgumentError } from '../base/errors.js';
import type { ObjectStore } from '../store/objectStore.js';
import type { ObjectID } from '../store/objectId.js';

export function readGlobal(objects: ObjectStore, id: ObjectID | string): unknown {
  const object = objects.getObject(id);
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
