/**
 * A tiny stand-in for the session, enough to test iterative tiles end to end without it: tiles a node
 * (inputs first), records the chunk specs and plans, and when a tile yields chunk keys "runs" them — a
 * small interpreter calling each spec's kernel on its inputs' values, recursively — then resumes the
 * tile with `chunkInfo` from the computed values. Test frames come from a test-only source op whose
 * chunks are given as values.
 */
import '../../../../src/kernels/index.js';
import { concatFrames, type FrameChunk, type FrameField, frameNbytes, isFrameChunk } from '../../../../src/base/frame.js';
import type { ChunkSpec } from '../../../../src/dag/chunkGraph.js';
import { makeTileable, type TileableNode } from '../../../../src/dag/nodes.js';
import { getKernel } from '../../../../src/kernels/index.js';
import { isFrameParts } from '../../../../src/kernels/dataframe/gather.js';
import { frameMeta, type FrameNode } from '../../../../src/ops/dataframe/meta.js';
import { type ChunkInfo, chunkKey, getOp, registerOp, type TileContext, type Tiled } from '../../../../src/ops/op.js';

const sources = new Map<string, readonly FrameChunk[]>();
let nextSource = 0;

registerOp({
  name: 'test.frameSource',
  tile(node, ctx) {
    const chunks = sources.get(node.params.id as string)!;
    const keys = chunks.map((c, i) => ctx.add({ key: chunkKey(node.key, [i]), kernel: 'test.const', params: { id: node.params.id, i }, inputs: [], meta: { rows: c.rows } }));
    return { nsplits: [chunks.map((c) => c.rows)], chunks: keys };
  },
});

/** A frame node whose chunks are the given values. */
export function sourceNode(fields: readonly FrameField[], chunks: readonly FrameChunk[]): FrameNode {
  const id = `src${nextSource++}`;
  sources.set(id, chunks);
  return makeTileable('test.frameSource', { id }, [], frameMeta(fields, chunks.reduce((s, c) => s + c.rows, 0)));
}

function infoOf(v: unknown): ChunkInfo {
  if (isFrameChunk(v)) return { nbytes: frameNbytes(v), rows: v.rows };
  if (isFrameParts(v)) return { nbytes: v.parts.reduce((s, p) => s + frameNbytes(p), 0), rows: undefined };
  return { nbytes: 0, rows: undefined };
}

export class FakeSession {
  readonly specs = new Map<string, ChunkSpec>();
  readonly values = new Map<string, unknown>();
  readonly plans: string[] = [];
  /** Chunk keys each yield asked for, in order. */
  readonly yielded: (readonly string[])[] = [];
  private readonly tiled = new Map<string, Tiled>();

  tile(node: TileableNode): Tiled {
    const done = this.tiled.get(node.key);
    if (done) return done;
    const inputs = node.inputs.map((n) => this.tile(n));
    const ctx: TileContext = {
      input: (i) => inputs[i]!,
      add: (spec) => {
        this.specs.set(spec.key, spec);
        return spec.key;
      },
      chunkMeta: (k) => this.specs.get(k)?.meta,
      chunkInfo: (k) => (this.values.has(k) ? infoOf(this.values.get(k)) : undefined),
      plan: (text) => this.plans.push(text),
    };
    const r = getOp(node.op).tile(node, ctx);
    let out: Tiled;
    if ('next' in r && typeof r.next === 'function') {
      let step = r.next();
      while (!step.done) {
        this.yielded.push(step.value);
        for (const k of step.value) this.run(k);
        step = r.next();
      }
      out = step.value;
    } else {
      out = r as Tiled;
    }
    this.tiled.set(node.key, out);
    return out;
  }

  run(key: string): unknown {
    if (this.values.has(key)) return this.values.get(key);
    const spec = this.specs.get(key);
    if (!spec) throw new Error(`no chunk ${key} was added`);
    let v: unknown;
    if (spec.kernel === 'test.const') {
      const p = spec.params as { id: string; i: number };
      v = sources.get(p.id)![p.i];
    } else {
      v = getKernel(spec.kernel!)(spec.inputs.map((k) => this.run(k)), spec.params as never);
    }
    this.values.set(key, v);
    return v;
  }

  /** Every output chunk of a node, computed. */
  chunks(node: FrameNode): FrameChunk[] {
    return this.tile(node).chunks.map((k) => this.run(k) as FrameChunk);
  }

  /** The node's value as one chunk. */
  fetch(node: FrameNode): FrameChunk {
    return concatFrames(this.chunks(node), node.meta.fields);
  }
}
