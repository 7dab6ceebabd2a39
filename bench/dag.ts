/**
 * DAG scale: tiling, fusing and ordering a ~200k-chunk graph (a 50,000-chunk tensor through an
 * elementwise chain into a reduction), and topologically sorting it. Baseline in the same run:
 * graphology building and sorting a DAG of the same size (what DESIGN §3 avoids on the hot path).
 */
import { DirectedGraph } from 'graphology';
import { topologicalSort } from 'graphology-dag';
import '../src/index.js';
import { depthFirstPriority, topologicalOrder } from '../src/dag/topo.js';
import { fuseElementwise } from '../src/ops/tensor/fuse.js';
import { fullNode, reduceNode, binaryNode } from '../src/ops/tensor/index.js';
import { tileTargets } from '../src/session/tiler.js';
import { fmt, time, writeResult } from './harness.js';

/** Source chunks: with the elementwise chain and the reduction tree, about 216k chunks in all. */
const CHUNKS = 50_000;

export async function benchDag(): Promise<Record<string, unknown>> {
  let size = 0;
  const engine = await time(() => {
    const x = fullNode([CHUNKS], 1, { chunkSize: 1 });
    const y = reduceNode('sum', binaryNode('add', binaryNode('mul', x, 2), 1));
    const plan = tileTargets([y], { executed: () => undefined, stored: () => false });
    const targets = new Set(plan.targets);
    const g = fuseElementwise(plan.graph, (i) => targets.has(i));
    topologicalOrder(g);
    depthFirstPriority(g, [g.indexOf(plan.graph.keys[plan.targets[0]!]!)]);
    size = plan.graph.size;
  }, 3, 1);
  const baseline = await time(() => {
    const g = new DirectedGraph();
    for (let i = 0; i < size; i++) g.addNode(String(i));
    for (let i = 1; i < size; i++) g.addEdge(String(Math.floor(i / 4)), String(i));
    topologicalSort(g);
  }, 3, 1);
  console.log(`${size.toLocaleString()}-chunk graph: tile + fuse + order ${fmt(engine.median)}; graphology build + sort ${fmt(baseline.median)}`);
  return { chunks: size, engineMs: engine, graphologyMs: baseline, ratio: +(engine.median / baseline.median).toFixed(3) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchDag();
  console.log(`wrote ${writeResult('dag', r)}`);
}
