/**
 * One app on one benchmark graph through a lazy session on the thread pool, run several times, each
 * timed from building the app's handle to holding its fetched `toArray('r')`: the A/B probe behind
 * figures like "warm BFS on the grid" (run it on two checkouts, alternating, and compare medians).
 * Public API only: the graph is loaded from typed columns, and the first run builds the projection and
 * the app's layouts, as it does for a user; the median is of the runs after it.
 *
 *   npx tsx bench/graph/app.ts g2-grid-1024 bfs [runs]     apps: sssp bfs wcc pagerank
 */
import { loadOrGenerate } from './generate.js';
import { type App, appOf, columnsOf, freshSession, loadColumns } from './readyCommon.js';

const [name = 'g2-grid-1024', app = 'bfs', runsText = '10'] = process.argv.slice(2);
const { graph: peer } = loadOrGenerate(name);
const columns = columnsOf(peer, 'int32');
const sess = await freshSession();
try {
  const g = loadColumns(sess, columns);
  await sess.run(g);
  const times: number[] = [];
  for (let i = 0; i < Number(runsText); i++) {
    const t0 = performance.now();
    const ctx = sess.scope(() => appOf(g, app as App, columns.source));
    const result = ctx.toArray('r');
    await sess.run(result);
    times.push(performance.now() - t0);
    result.release({ session: sess });
    ctx.release({ session: sess });
  }
  const steady = times.slice(1).sort((a, b) => a - b);
  console.log(`${name} ${app}: first ${times[0]!.toFixed(1)} ms, median of ${steady.length} ${steady[steady.length >> 1]!.toFixed(1)} ms (${times.map((t) => t.toFixed(1)).join(' ')})`);
} finally {
  await sess.close();
}
