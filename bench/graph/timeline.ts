/**
 * Where a first app's time goes: load a benchmark graph from typed columns and run one app on a fresh
 * lazy session, printing when each chunk of the run finished (graph.add_edges, graph.project,
 * graph.in_csr, graph.out_slots, graph.app, ...), through the session's public 'chunks' event. A probe
 * of one run's critical path, not a benchmark: the user's figure is bench/graph/ready.ts's `e2e`.
 * The first repetition warms the process's code; later ones are printed.
 *
 *   npx tsx bench/graph/timeline.ts [graph=g1-rmat-s20] [app=bfs] [ids=int32] [reps=2]
 */
import type { ChunkRunEvent } from '../../src/index.js';
import { loadOrGenerate } from './generate.js';
import { type App, appOf, columnsOf, freshSession, type IdType, loadColumns } from './readyCommon.js';

const [name = 'g1-rmat-s20', app = 'bfs', ids = 'int32', reps = '2'] = process.argv.slice(2);
const { graph: peer } = loadOrGenerate(name);
const columns = columnsOf(peer, ids as IdType);
for (let rep = 0; rep < Number(reps); rep++) {
  const sess = await freshSession();
  try {
    const ops: string[] = [];
    const lines: string[] = [];
    let t0 = 0;
    const at = (): string => (performance.now() - t0).toFixed(1).padStart(9);
    sess.on('chunks', (e: ChunkRunEvent) => {
      if (e.type === 'planned') {
        for (let i = 0; i < e.graph.keys.length; i++) ops[i] = e.ownerOf(i)?.op ?? '(stored)';
        lines.push(`${at()} ms  planned, ${e.graph.keys.length} chunks`);
      } else if (e.type === 'finished') {
        lines.push(`${at()} ms  ${ops[e.index]}`);
      }
    });
    t0 = performance.now();
    const g = loadColumns(sess, columns);
    const ctx = sess.scope(() => appOf(g, app as App, columns.source));
    lines.push(`${at()} ms  built`);
    await sess.run(ctx.toArray('r'));
    if (rep > 0 || Number(reps) === 1) console.log(`${name} ${app} ${ids}, repetition ${rep}: ${at().trim()} ms\n${lines.join('\n')}`);
  } finally {
    await sess.close();
  }
}
