/**
 * The fixed cost of a warm app through a session: BFS on a tiny graph (the kernel is nothing), built,
 * run and fetched with `toArray('r')`, with the session's 'chunks' events marking when the plan was
 * made and each chunk finished. Public API only; medians of `runs`.
 *
 *   node dist-bench/bench/graph/fixedCost.js [app=bfs] [runs=200] [vertices=64]
 */
import type { ChunkRunEvent } from '../../src/index.js';
import { graph as gs } from '../../src/index.js';
import { type App, appOf, freshSession } from './readyCommon.js';

const [app = 'bfs', runs = '200', vertices = '64'] = process.argv.slice(2);
const n = Number(vertices);
const src = Int32Array.from({ length: 2 * n }, (_, i) => i % n);
const dst = Int32Array.from({ length: 2 * n }, (_, i) => (i < n ? (i + 1) % n : (i * 7) % n));
const sess = await freshSession();
const g = sess.scope(() => gs.loadFrom({ vertices: { id: Int32Array.from({ length: n }, (_, i) => i) }, edges: { src, dst }, directed: true }));
const marks = new Map<string, number[]>();
const mark = (what: string, t: number): void => void (marks.get(what) ?? marks.set(what, []).get(what)!).push(t);
let t0 = 0;
let ops: string[] = [];
let recording = false;
sess.on('chunks', (e: ChunkRunEvent) => {
  if (!recording) return;
  if (e.type === 'planned') {
    ops = e.graph.keys.map((_, i) => e.ownerOf(i)?.op ?? '(stored)');
    mark('planned', performance.now() - t0);
  } else if (e.type === 'finished') mark(`finished ${ops[e.index]}`, performance.now() - t0);
});
for (let i = 0; i < Number(runs) + 3; i++) {
  recording = i >= 3;
  t0 = performance.now();
  const c = sess.scope(() => appOf(g, app as App, 0));
  const a = c.toArray('r');
  if (recording) mark('built', performance.now() - t0);
  await sess.run(a);
  if (recording) mark('fetched', performance.now() - t0);
  a.release({ session: sess });
  c.release({ session: sess });
}
await sess.close();
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
console.log(`${app} on a ${n}-vertex graph, ${runs} warm runs (median ms since the build began):`);
for (const [what, ts] of [...marks].sort((x, y) => median(x[1]) - median(y[1]))) console.log(`${median(ts).toFixed(3).padStart(8)}  ${what} x${ts.length}`);
