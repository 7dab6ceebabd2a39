/**
 * Rebuilding dataframe nodes from their wire form through the dataframe builders, as tensor and graph
 * nodes are (rebuildTensor.ts, rebuildGraph.ts): a source's inline chunks are checked buffer by buffer,
 * ops re-check their column names, and a graph selection's frame re-derives its schema from the table
 * node it wraps — so the server keys and types every node as the client did, or refuses it. The other
 * dataframe ops (expressions, sorts, describe, group-by, merge, distinct) are in rebuildFrameOps.ts, the
 * file sources (read under the server's file rules) in rebuildFrameFiles.ts.
 */
import { frameOfTableNode } from '../../ops/graph/index.js';
import { fromInlineNode, headNode, renameNode, selectNode } from '../../ops/dataframe/index.js';
import { malformed } from './errors.js';
import { FRAME_FILE_REBUILDERS } from './rebuildFrameFiles.js';
import { FRAME_OP_REBUILDERS, frameInput } from './rebuildFrameOps.js';
import type { Rebuilder } from './rebuildTensor.js';

export const FRAME_REBUILDERS: Readonly<Record<string, Rebuilder>> = {
  'frame.from_data': (r) => fromInlineNode(r.params.raw('names'), r.params.raw('chunks'), r.where),
  'frame.select': (r) => selectNode(frameInput(r, 0), r.params.strings('names')),
  'frame.rename': (r) => {
    const input = frameInput(r, 0);
    const names = r.params.strings('names');
    if (names.length !== input.meta.fields.length) throw malformed(`${r.where}: rename needs one name per column.`);
    return renameNode(input, Object.fromEntries(input.meta.fields.map((f, j) => [f.name, names[j]!])));
  },
  'frame.head': (r) => headNode(frameInput(r, 0), r.params.int('n')),
  'frame.from_selected': (r) => {
    const table = r.inputs[0];
    if (!table) throw malformed(`${r.where}: a graph selection's frame needs its table node.`);
    return frameOfTableNode(table);
  },
  ...FRAME_OP_REBUILDERS,
  ...FRAME_FILE_REBUILDERS,
};
