/**
 * One app on one benchmark graph through a lazy session on the thread pool, run several times: the
 * probe behind this stop's A/B figures (run it on two checkouts, alternating, and compare medians).
 *
 *   npx tsx bench/graph/app.ts g2-grid-1024 bfs [runs]     apps: sssp bfs wcc pagerank
 */
import { graph as gs, newSession, tensor as tt } from '../../src/index.js';
import { simpleProjection } from '../../src/ops/graph/index.js';
import { loadOrGenerate } from './generate.js';

const [name = 'g2-grid-1024', app = 'bfs', runsText = '10'] = process.argv.slice(2);
const { graph: peer } = loadOrGenerate(name);
const sess = newSession({ mode: 'lazy', default: false });
try {
  await sess.run(tt.arange(4).sum());
  const g = sess.scope(() =>
    gs
      .g()
      .addVertices({ id: Float64Array.from({ length: peer.n }, (_, i) => i) })
      .addEdges({ src: peer.src, dst: peer.dst, w: peer.weights }, { src: 'src', dst: 'dst', properties: ['w'] }),
  );
  await sess.execute([simpleProjection(g.node)]);
  const times: number[] = [];
  for (let i = 0; i < Number(runsText); i++) {
    const t0 = performance.now();
    const ctx =
      app === 'sssp' ? gs.sssp(g, peer.source) : app === 'wcc' ? gs.wcc(g) : app === 'pagerank' ? gs.pagerank(g, { maxRound: 20 }) : gs.bfs(g, peer.source);
    await sess.execute([ctx.node]);
    sess.release(ctx.node);
    times.push(performance.now() - t0);
  }
  // The first run builds the cached layouts and warms the workers; the median is of the others.
  const steady = times.slice(1).sort((a, b) => a - b);
  console.log(`${name} ${app}: first ${times[0]!.toFixed(1)} ms, median of ${steady.length} ${steady[steady.length >> 1]!.toFixed(1)} ms (${times.map((t) => t.toFixed(1)).join(' ')})`);
} finally {
  await sess.close();
}
