/**
 * Issue 9 §1: how long until a graph is usable, through the public API only, against scipy (and DuckDB
 * for the file read) timed in the same run. Sections:
 *
 * - `e2e`: load from typed columns (`gs.loadFrom({ vertices: { id }, edges: { src, dst, weight } })`) plus
 *   the first app (SSSP, BFS, WCC, PageRank x20) up to its `toArray('r')`, each on a fresh session, for
 *   Int32, Float64 and string id columns; scipy's figure is its load (read + COO -> CSR) plus the app.
 * - `warm`: an app on a loaded graph whose layouts are built (two untimed runs first; then build the
 *   context, run it with `toArray('r')`, hold the array), against scipy's app alone.
 * - `toarray`: `toArray('r')` of an executed context of every vertex.
 * - `file`: the graph as a space-delimited edge file, loaded by `gs.loadFrom({ edges: path, ... })`,
 *   against DuckDB's `read_csv` of it on 2 threads; then the first WCC after it, against the first WCC
 *   after a columns load.
 * - `memory`: peak RSS (and the session store's peak) of load + projection (+ WCC, the app that keeps
 *   least), in a child process, against the bytes of the input columns.
 *
 *   npx tsx bench/graph/ready.ts [--runs N] [--graphs g1-rmat-s16,g1-rmat-s20] [--ids int32,float64,string]
 *                                [--apps sssp,bfs,wcc,pagerank] [--sections e2e,warm,toarray,file,memory]
 */
import { fileURLToPath } from 'node:url';
import { summarize, type Timing, writeResult } from '../harness.js';
import { loadOrGenerate, type PeerGraph } from './generate.js';
import { benchFile, type FileRow } from './readyFile.js';
import { measureMemory, memoryChild, type MemoryRow } from './readyMemory.js';
import { APPS, type App, type Columns, appOf, columnsOf, freshSession, type IdType, loadColumns, seconds, warmAppSeconds } from './readyCommon.js';
import { runScipy } from './scipy.js';

function option(name: string, fallback: string): string[] {
  const args = process.argv.slice(2);
  const at = args.indexOf(`--${name}`);
  return (at >= 0 ? args[at + 1]! : fallback).split(',');
}


async function firstApp(c: Columns, app: App): Promise<number> {
  const sess = await freshSession();
  try {
    const t0 = performance.now();
    const g = loadColumns(sess, c);
    const ctx = sess.scope(() => appOf(g, app, c.source));
    await sess.run(ctx.toArray('r'));
    return seconds(t0);
  } finally {
    await sess.close();
  }
}

interface WarmResult {
  readonly apps: Record<App, Timing>;
  readonly toArray: Timing;
}

/** Apps on one loaded graph after two runs of each (which build its layouts), and toArray alone. */
async function warmApps(c: Columns, apps: readonly App[], runs: number): Promise<WarmResult> {
  const sess = await freshSession();
  try {
    const g = loadColumns(sess, c);
    const out = {} as Record<App, Timing>;
    for (const app of apps) {
      const samples = await warmAppSeconds(sess, g, c, app, runs);
      out[app] = summarize(samples);
    }
    // toArray of an executed context of every vertex: the context stays, each selection is released.
    const ctx = sess.scope(() => appOf(g, 'pagerank', c.source));
    await ctx.execute({ session: sess });
    const samples: number[] = [];
    for (let i = 0; i <= runs + 2; i++) {
      const array = ctx.toArray('r');
      const t0 = performance.now();
      await sess.run(array);
      if (i > 0) samples.push(seconds(t0));
      array.release({ session: sess });
    }
    return { apps: out, toArray: summarize(samples) };
  } finally {
    await sess.close();
  }
}

const ratio = (ours: number, theirs: number): number => +(ours / theirs).toFixed(3);

/** What the sections of one graph share (see `idTypeSections`). */
interface GraphRun {
  readonly name: string;
  readonly peer: PeerGraph;
  readonly runs: number;
  readonly apps: readonly App[];
  readonly sections: ReadonlySet<string>;
  readonly base: (k: 'load' | App) => number;
  readonly rows: Record<string, unknown>[];
  readonly memory: MemoryRow[];
}

/**
 * The e2e, warm, toarray and memory sections of one id type on one graph. A function of its own so the
 * user's columns die when it returns: held in `main`'s suspended frame, R-MAT s20's string columns (309 MB
 * of live JS heap) stayed reachable through the file section, where every major collection the engine
 * nudges paused the main thread 205-309 ms (`--trace-gc`), and the first WCC after the file or the columns
 * took 0.36-0.64 s where it takes 0.20-0.36 s once they are gone.
 */
async function idTypeSections(run: GraphRun, ids: IdType): Promise<void> {
  const { name, peer, runs, apps, sections, base, rows, memory } = run;
  const c = columnsOf(peer, ids);
  const limit = ids === 'string' ? 2 : 1;
  if (sections.has('e2e')) {
    for (const app of apps) {
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) samples.push(await firstApp(c, app));
      const t = summarize(samples);
      const scipyTotal = base('load') + base(app);
      const r = ratio(t.median, scipyTotal);
      rows.push({ section: 'e2e', graph: name, ids, app, seconds: t, scipySeconds: scipyTotal, ratio: r, target: limit, met: r <= limit });
      console.log(`  e2e  ${ids.padEnd(7)} ${app.padEnd(8)} load+first app ${t.median.toFixed(3)} s [${t.min.toFixed(3)}-${t.max.toFixed(3)}]  scipy load+app ${scipyTotal.toFixed(3)} s  ratio ${r} (target <= ${limit})`);
    }
  }
  if ((sections.has('warm') || sections.has('toarray')) && ids !== 'string') {
    const w = await warmApps(c, sections.has('warm') ? apps : [], Math.max(runs, 3));
    for (const app of sections.has('warm') ? apps : []) {
      const r = ratio(w.apps[app].median, base(app));
      rows.push({ section: 'warm', graph: name, ids, app, seconds: w.apps[app], scipySeconds: base(app), ratio: r, target: 0.7, met: r <= 0.7 });
      console.log(`  warm ${ids.padEnd(7)} ${app.padEnd(8)} ${w.apps[app].median.toFixed(4)} s  scipy ${base(app).toFixed(4)} s  ratio ${r} (target <= 0.7)`);
    }
    if (sections.has('toarray')) {
      const ms = w.toArray.median * 1000;
      rows.push({ section: 'toarray', graph: name, ids, vertices: peer.n, seconds: w.toArray, target: 0.005, met: w.toArray.median <= 0.005 });
      console.log(`  toArray('r') of ${peer.n.toLocaleString()} vertices (${ids}): ${ms.toFixed(2)} ms`);
    }
  }
  if (sections.has('memory') && ids !== 'string') memory.push(await measureMemory(name, ids));
}

async function main(): Promise<void> {
  const runs = Number(option('runs', '3')[0]);
  const graphs = option('graphs', 'g1-rmat-s16,g1-rmat-s20');
  const idTypes = option('ids', 'int32,float64,string') as IdType[];
  const apps = option('apps', APPS.join(',')) as App[];
  const sections = new Set(option('sections', 'e2e,warm,toarray,file,memory'));
  const rows: Record<string, unknown>[] = [];
  const files: FileRow[] = [];
  const memory: MemoryRow[] = [];
  for (const name of graphs) {
    const { graph: peer, path } = loadOrGenerate(name);
    const scipy = runScipy(path, runs);
    if (!scipy) throw new Error('python3 with scipy is needed: the baseline is timed in the same run');
    const base = (k: 'load' | App): number => summarize(scipy.times[k]).median;
    console.log(`\n${name}: ${peer.n.toLocaleString()} vertices, ${peer.src.length.toLocaleString()} arcs; scipy load ${base('load').toFixed(3)} s`);
    for (const ids of idTypes) await idTypeSections({ name, peer, runs, apps, sections, base, rows, memory }, ids);
    if (sections.has('file') && name.endsWith('s20')) files.push(await benchFile(peer, runs));
  }
  console.log(`wrote ${writeResult('graph-ready', { runs, rows, file: files, memory })}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--memory-child') await memoryChild(process.argv[3]!, process.argv[4] as IdType);
  else await main();
}
