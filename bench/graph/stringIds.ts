/**
 * Apps on a graph with string vertex ids: the 1024x1024 grid with ids `v0` .. `v1048575`, through a
 * lazy session on the thread pool. A projected graph keeps string ids as UTF-8 spans in shared memory,
 * so an app's gang task does not clone a million strings; compare with the same apps on integer ids.
 *
 *   npx tsx bench/graph/stringIds.ts
 */
import { graph as gs, newSession, tensor as tt } from '../../src/index.js';
import { loadOrGenerate } from './generate.js';

const { graph: peer } = loadOrGenerate('g2-grid-1024');
for (const kind of ['integer', 'string'] as const) {
  const sess = newSession({ mode: 'lazy', default: false });
  try {
    await sess.run(tt.arange(4).sum());
    const names = kind === 'string' ? Array.from({ length: peer.n }, (_, i) => `v${i}`) : undefined;
    const g = sess.scope(() =>
      names
        ? gs.g({ oidType: 'string' }).addEdges({ src: Array.from(peer.src, (v) => names[v]!), dst: Array.from(peer.dst, (v) => names[v]!) }, { src: 'src', dst: 'dst' })
        : gs.g().addEdges({ src: Float64Array.from(peer.src), dst: Float64Array.from(peer.dst) }, { src: 'src', dst: 'dst' }),
    );
    await g.execute({ session: sess });
    const source = names ? names[peer.source]! : peer.source;
    for (const app of ['wcc', 'bfs'] as const) {
      const times: number[] = [];
      // Run 0 builds the projection (the first app on a graph does) and is not counted.
      for (let i = 0; i <= 7; i++) {
        const t0 = performance.now();
        const ctx = sess.scope(() => (app === 'wcc' ? gs.wcc(g) : gs.bfs(g, source)));
        const values = ctx.toArray('r');
        await sess.run(values);
        values.release({ session: sess });
        ctx.release({ session: sess });
        if (i > 0) times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      console.log(`${kind.padEnd(7)} ids  ${app}  median ${times[3]!.toFixed(1)} ms  (${times.map((t) => t.toFixed(0)).join(' ')})`);
    }
  } finally {
    await sess.close();
  }
}
