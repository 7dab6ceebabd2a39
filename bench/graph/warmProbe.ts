/**
 * Where a warm app's milliseconds go on a loaded graph, through the public API: per warm run, when the
 * plan was made and when each chunk finished (the session's 'chunks' event), and the process's CPU time of
 * the run (every thread: a figure that the load of other processes on the machine barely moves) and its minor page
 * faults, medians. With `--each`, every run's marks too, in order: the warm-up curve (V8 optimizes a
 * kernel over a thread's first runs of it, and ready.ts's `warm` section times runs 3-5 of an app's
 * loop). With `--after sssp,...`, each named app runs five times first, as ready.ts runs the apps
 * before this one on the same graph.
 *
 *   node dist-bench/bench/graph/warmProbe.js [graph=g1-rmat-s16] [app=bfs] [ids=int32] [runs=20] [--each] [--after apps]
 */
import type { ChunkRunEvent } from '../../src/index.js';
import { loadOrGenerate } from './generate.js';
import { type App, appOf, columnsOf, freshSession, type IdType, loadColumns } from './readyCommon.js';

const flags = process.argv.slice(2);
const each = flags.includes('--each');
const afterAt = flags.indexOf('--after');
const after = afterAt >= 0 ? (flags[afterAt + 1] ?? '').split(',').filter(Boolean) : [];
const [name = 'g1-rmat-s16', app = 'bfs', ids = 'int32', runs = '20'] = flags.filter((f, i) => !f.startsWith('--') && (afterAt < 0 || i !== afterAt + 1));
const { graph: peer } = loadOrGenerate(name);
const columns = columnsOf(peer, ids as IdType);
const sess = await freshSession();
const g = loadColumns(sess, columns);
for (const other of after) {
  for (let i = 0; i < 5; i++) await sess.run(sess.scope(() => appOf(g, other as App, columns.source)).toArray('r'));
}
// Without --each, the first run (which builds the app's layouts) is left out of the medians.
if (!each) await sess.run(sess.scope(() => appOf(g, app as App, columns.source)).toArray('r'));
const marks = new Map<string, number[]>();
let row: string[] = [];
const mark = (what: string, t: number): void => {
  (marks.get(what) ?? marks.set(what, []).get(what)!).push(t);
  if (each) row.push(`${what} ${t.toFixed(2)}`);
};
let t0 = 0;
let ops: string[] = [];
sess.on('chunks', (e: ChunkRunEvent) => {
  if (e.type === 'planned') {
    ops = e.graph.keys.map((_, i) => e.ownerOf(i)?.op ?? '(stored)');
    mark('planned', performance.now() - t0);
  } else if (e.type === 'finished') mark(`finished ${ops[e.index]}`, performance.now() - t0);
  else if (e.type === 'ended') mark('ended', performance.now() - t0);
});
for (let i = 0; i < Number(runs); i++) {
  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const faults0 = process.resourceUsage().minorPageFault;
  const c = sess.scope(() => appOf(g, app as App, columns.source));
  const a = c.toArray('r');
  mark('built', performance.now() - t0);
  await sess.run(a);
  mark('fetched', performance.now() - t0);
  const cpu = process.cpuUsage(cpu0);
  mark('process CPU ms (all threads)', (cpu.user + cpu.system) / 1000);
  // Fresh memory's first touch costs ~10 µs per 4 KB page on a small VM: a count, not a time.
  mark('minor page faults (all threads)', process.resourceUsage().minorPageFault - faults0);
  if (each) console.log(`run ${i}: ${row.join(', ')}`);
  row = [];
  a.release({ session: sess });
  c.release({ session: sess });
}
await sess.close();
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
console.log(`${name} ${app} ${ids}, ${runs} warm runs (median ms since the build began):`);
for (const [what, ts] of [...marks].sort((x, y) => median(x[1]) - median(y[1]))) console.log(`${median(ts).toFixed(2).padStart(8)}  ${what} x${ts.length}`);
