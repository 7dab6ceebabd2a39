/**
 * Where a first app's time goes: load a benchmark graph from typed columns and run one app on a fresh
 * lazy session, printing when each chunk of the run finished (graph.add_edges, graph.project,
 * graph.in_csr, graph.out_slots, graph.app, ...), through the session's public 'chunks' event. A probe
 * of one run's critical path, not a benchmark: the user's figure is bench/graph/ready.ts's `e2e`.
 * Garbage collections of the calling thread that began inside the run are on the timeline too (with
 * their kind and pause), since a major one there stalls every chunk the thread would dispatch.
 * The first repetition warms the process's code; later ones are printed. With ids `file` the graph is
 * written as readyFile.ts's edge file and loaded from it (`sess.run(g)` first, as that section does),
 * and the timeline is of the app's run alone.
 *
 *   npx tsx bench/graph/timeline.ts [graph=g1-rmat-s20] [app=bfs] [ids=int32|float64|string|file] [reps=2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChunkRunEvent, graph as gs } from '../../src/index.js';
import { loadOrGenerate } from './generate.js';
import { type App, appOf, columnsOf, freshSession, type IdType, loadColumns } from './readyCommon.js';
import { writeEdgeFile } from './readyFile.js';

const [name = 'g1-rmat-s20', app = 'bfs', ids = 'int32', reps = '2'] = process.argv.slice(2);
const { graph: peer } = loadOrGenerate(name);
const fromFile = ids === 'file';
const columns = columnsOf(peer, fromFile ? 'int32' : (ids as IdType));
const dir = fromFile ? mkdtempSync(join(tmpdir(), 'tessera-timeline-')) : undefined;
const collections: PerformanceEntry[] = [];
const gcObserver = new PerformanceObserver((list) => void collections.push(...list.getEntries()));
gcObserver.observe({ entryTypes: ['gc'] });
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
const path = dir ? join(dir, `${name}.txt`) : '';
if (dir) writeEdgeFile(path, peer);
try {
  for (let rep = 0; rep < Number(reps); rep++) await repetition(rep);
} finally {
  gcObserver.disconnect();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

async function repetition(rep: number): Promise<void> {
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
    const loaded = fromFile ? sess.scope(() => gs.loadFrom({ edges: path, delimiter: ' ', header: false, edgeProperties: [2] })) : undefined;
    if (loaded) await sess.run(loaded);
    lines.length = 0;
    // Entries are delivered after the collection, in a later turn: a short wait below lets the last come.
    collections.length = 0;
    t0 = performance.now();
    const g = loaded ?? loadColumns(sess, columns);
    const ctx = sess.scope(() => appOf(g, app as App, columns.source));
    lines.push(`${at()} ms  built`);
    await sess.run(ctx.toArray('r'));
    const total = at().trim();
    const ended = performance.now();
    await new Promise((r) => setTimeout(r, 20));
    const timed = lines.map((line) => [Number.parseFloat(line), line] as const);
    for (const e of collections) {
      if (e.startTime < t0 || e.startTime > ended) continue;
      const kind = GC_KINDS[(e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
      timed.push([e.startTime - t0, `${(e.startTime - t0).toFixed(1).padStart(9)} ms    (${kind} collection on this thread, ${e.duration.toFixed(1)} ms)`]);
    }
    timed.sort((a, b) => a[0] - b[0]);
    if (rep > 0 || Number(reps) === 1) console.log(`${name} ${app} ${ids}, repetition ${rep}: ${total} ms\n${timed.map(([, line]) => line).join('\n')}`);
  } finally {
    await sess.close();
  }
}
