/**
 * Parsing benchmark: the scale-20 R-MAT graph (16M arcs) as LDBC Graphalytics text, with weights
 * written short (6 significant digits, the fast decimal path) and as shortest round-trip text (17
 * digits, like the peers' .e files, which take the slower exact path). Times `parseLdbcEdges` alone (a
 * probe of the parsing kernel: it imports src/graph) and, as the user's figure, the folder loaded
 * through the public API (`gs.loadFrom({ ldbc })` in a fresh lazy session on the pool, its summary
 * fetched), median of several runs; the baseline, measured in the same run, is numpy's `loadtxt` on the
 * same file, what a numpy user would reach for (skipped when python3 has no numpy).
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/graph/parse.js [--runs N]
 *
 * Run it compiled: under `npx tsx` (sources transpiled at run time, the pool's workers too) the load
 * took 20-28 s where compiled code takes 3.6-5.8 s (R-MAT s20, December), while the probe was the same:
 * the pool's workers then run CommonJS output whose imported constants are getters (executors/pool.ts).
 *
 * Text files are cached in bench/data/; prints a table and writes bench/out/graph-parse.json.
 *
 * Loading an edge file (not an LDBC folder) against DuckDB is bench/graph/ready.ts's `file` section.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseLdbcEdges } from '../../src/graph/ldbc.js';
import { graph as gs } from '../../src/index.js';
import { freshSession } from './readyCommon.js';
import { DATA_DIR, loadOrGenerate } from './generate.js';

const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;
const NAME = 'g1-rmat-s20';

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Writes <name>.e/.v/.properties once; returns the directory. */
function writeText(style: 'short' | 'repr'): string {
  const dir = join(DATA_DIR, `${NAME}-${style}`);
  const base = join(dir, NAME);
  if (existsSync(`${base}.properties`)) return dir;
  mkdirSync(dir, { recursive: true });
  const { graph } = loadOrGenerate(NAME);
  const fd = openSync(`${base}.e`, 'w');
  for (let s = 0; s < graph.src.length; s += 65536) {
    let text = '';
    for (let i = s; i < Math.min(graph.src.length, s + 65536); i++) {
      const w = graph.weights[i]!;
      text += `${graph.src[i]} ${graph.dst[i]} ${style === 'short' ? w.toPrecision(6) : String(w)}\n`;
    }
    writeSync(fd, text);
  }
  closeSync(fd);
  writeFileSync(`${base}.v`, Array.from({ length: graph.n }, (_, v) => `${v}\n`).join(''));
  writeFileSync(
    `${base}.properties`,
    [
      `graph.${NAME}.vertex-file = ${NAME}.v`,
      `graph.${NAME}.edge-file = ${NAME}.e`,
      `graph.${NAME}.directed = true`,
      `graph.${NAME}.edge-properties.names = weight`,
      `graph.${NAME}.edge-properties.types = real`,
      '',
    ].join('\n'),
  );
  return dir;
}

function numpyLoadtxt(file: string): number[] | undefined {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const script = [
    'import json, sys, time, numpy as np',
    'times = []',
    `for _ in range(${runs}):`,
    '    t0 = time.perf_counter()',
    '    a = np.loadtxt(sys.argv[1], dtype=np.float64)',
    '    times.append(time.perf_counter() - t0)',
    'print(json.dumps(times))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as number[];
}

const rows: Record<string, unknown>[] = [];
console.log(`LDBC text parsing, ${NAME}; load average ${loadavg()[0]!.toFixed(2)}`);
for (const style of ['short', 'repr'] as const) {
  const dir = writeText(style);
  const read = (f: string): Buffer => readFileSync(join(dir, f));
  const edges = read(`${NAME}.e`);
  const parse: number[] = [];
  const load: number[] = [];
  for (let r = 0; r <= runs; r++) {
    let t0 = performance.now();
    const parsed = parseLdbcEdges(edges, `${NAME}.e`, ['weight'], 'weight');
    const tParse = (performance.now() - t0) / 1000;
    // The user's figure: the folder loaded through the public API in a fresh session, its summary fetched.
    const sess = await freshSession();
    t0 = performance.now();
    const summary = (await sess.run(sess.scope(() => gs.loadFrom({ ldbc: dir })))) as { readonly edges: Readonly<Record<string, number>> };
    const tLoad = (performance.now() - t0) / 1000;
    await sess.close();
    const arcs = Object.values(summary.edges).reduce((a, b) => a + b, 0);
    if (parsed.weights!.length !== arcs) throw new Error(`parse and load disagree on the arc count (${parsed.weights!.length} vs ${arcs})`);
    if (r > 0) (parse.push(tParse), load.push(tLoad));
  }
  const numpy = numpyLoadtxt(join(dir, `${NAME}.e`));
  const mb = edges.length / 1e6;
  const p = median(parse);
  const user = median(load);
  const base = numpy ? median(numpy) : undefined;
  // The ratio against numpy is the user's figure's (the load through the public API), not the probe's.
  console.log(
    `${style.padEnd(5)} ${mb.toFixed(0)} MB: gs.loadFrom({ ldbc }) fetched ${user.toFixed(2)} s; ` +
      `numpy.loadtxt ${base?.toFixed(2) ?? 'n/a'} s${base ? ` (numpy / load ${(base / user).toFixed(2)}x)` : ''}; ` +
      `probe, parseLdbcEdges alone: ${p.toFixed(2)} s (${(mb / p).toFixed(0)} MB/s)`,
  );
  rows.push({
    style,
    megabytes: mb,
    load: { median: user, runs: load },
    numpyLoadtxt: numpy ?? null,
    numpyOverLoad: base ? +(base / user).toFixed(3) : null,
    parseProbe: { median: p, runs: parse },
  });
}
const out = join(DATA_DIR, '..', 'out');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'graph-parse.json'), JSON.stringify({ graph: NAME, node: process.version, results: rows }, null, 1));
console.log(`wrote ${join(out, 'graph-parse.json')}`);
