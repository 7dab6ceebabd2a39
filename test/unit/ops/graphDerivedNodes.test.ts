/**
 * An app's implicit projection and its graph's layouts are built once per graph node (dag/nodes.ts
 * `derivedNode`): a second app on the same graph reuses those node objects instead of hashing their keys
 * and walking the stack again. What the memo must not do is hand one app another's node: a different
 * weight, layout or graph gets nodes of its own, with the keys a fresh build gives.
 */
import { describe, expect, it } from 'vitest';
import { graph as gs } from '../../../src/index.js';
import { derivedNode, makeTileable, type TileableNode } from '../../../src/dag/nodes.js';

const nodeOf = (handle: unknown): TileableNode => (handle as { node: TileableNode }).node;
const byOp = (ctx: TileableNode, op: string): TileableNode[] => ctx.inputs.filter((n) => n.op === op);

function weightedGraph() {
  return gs.g({ directed: true }).addEdges({ a: Int32Array.from([0, 1, 2, 3]), b: Int32Array.from([1, 2, 3, 0]), w: Float64Array.from([1, 2, 3, 4]), u: Float64Array.from([4, 3, 2, 1]) }, { src: 'a', dst: 'b' });
}

describe('nodes derived from a graph', () => {
  it('two apps of one graph share the projection and layout node objects', () => {
    const g = weightedGraph();
    const first = nodeOf(gs.bfs(g, 0));
    const second = nodeOf(gs.bfs(g, 1));
    const third = nodeOf(gs.bfs(g, 2));
    expect(first.key).not.toBe(second.key);
    expect(second.inputs[0]).toBe(first.inputs[0]);
    // From the second BFS on, apps.ts asks for the in-CSR and in-hubs: one node of each for the graph.
    expect(byOp(second, 'graph.in_csr')).toHaveLength(1);
    expect(byOp(second, 'graph.in_hubs')).toHaveLength(1);
    expect(third.inputs.length).toBe(second.inputs.length);
    third.inputs.forEach((input, i) => expect(input).toBe(second.inputs[i]));
  });

  it('another weight or another graph gets nodes of its own, keyed as a fresh build keys them', () => {
    const g = weightedGraph();
    const byW = nodeOf(gs.sssp(g, 0, { weight: 'w' })).inputs[0]!;
    const byU = nodeOf(gs.sssp(g, 0, { weight: 'u' })).inputs[0]!;
    expect(byU).not.toBe(byW);
    expect(byU.key).not.toBe(byW.key);
    expect((byU.params as { edgeProp?: string }).edgeProp).toBe('u');
    expect(nodeOf(gs.sssp(g, 1, { weight: 'w' })).inputs[0]).toBe(byW);
    const other = nodeOf(gs.sssp(weightedGraph(), 0, { weight: 'w' })).inputs[0]!;
    expect(other).not.toBe(byW);
    expect(other.key).toBe(byW.key);
  });

  it('derivedNode builds once per node and slot', () => {
    const a = makeTileable('test.source', { n: 1 }, [], { type: 'test' });
    const b = makeTileable('test.source', { n: 2 }, [], { type: 'test' });
    let built = 0;
    const make = (from: TileableNode, slot: string) => derivedNode(from, slot, () => (built++, makeTileable('test.derived', { slot }, [from], { type: 'test' })));
    const x = make(a, 'x');
    expect(make(a, 'x')).toBe(x);
    expect(make(a, 'y')).not.toBe(x);
    expect(make(b, 'x')).not.toBe(x);
    expect(built).toBe(3);
  });
});
