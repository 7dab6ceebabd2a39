/**
 * Dataframe file sources of a remote session. Its files are the server's (as a graph's are,
 * ops/graph/sources.ts), and a frame's builder needs the file now: a CSV's header and sampled dtypes,
 * a Parquet footer, an Arrow schema. So while a remote session is the default, the server builds the
 * source from its own file (`POST /v1/data/frame`) and the client makes the same node from what it
 * answers: the server's key (its file's path, size and modification time), params and schema. Nothing
 * here reads a file of this machine; a file missing on the server fails with the server's typed error.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import { show } from '../../base/show.js';
import { makeTileable } from '../../dag/nodes.js';
import type { ServerFileNode } from '../graph/sources.js';
import { checkDtype, frameMeta, type FrameMeta, type FrameNode } from './meta.js';

export const FRAME_FILE_SOURCE_OPS: readonly string[] = ['frame.read_csv', 'frame.read_parquet', 'frame.read_arrow'];

function bad(what: string): never {
  throw new InvalidArgumentError(`the server described the file source wrongly (${what}); is it a Tessera server of this version?`);
}

/** The node a server described, checked to be a file source of a frame with a well-formed schema. */
export function serverFileNode(op: string, described: ServerFileNode): FrameNode {
  if (described.op !== op || typeof described.key !== 'string' || !described.key.startsWith(`${op}-`)) bad(`op ${show(described.op)}`);
  if (typeof described.params !== 'object' || described.params === null) bad('no params');
  const meta = described.meta as Partial<FrameMeta> | null;
  if (meta?.type !== 'dataframe' || !Array.isArray(meta.fields) || typeof meta.rows !== 'number') bad('no frame schema');
  const fields = meta.fields.map((f) => {
    if (typeof f?.name !== 'string') bad('a field with no name');
    return { name: f.name, dtype: checkDtype(f.dtype, 'a field of the server file') };
  });
  return makeTileable(op, described.params, [], frameMeta(fields, meta.rows), { key: described.key });
}
