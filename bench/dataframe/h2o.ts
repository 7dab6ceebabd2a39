/**
 * Issue 11 §4: the h2o.ai db-benchmark questions (groupby q1–q5, join q1–q3, and the CSV read alone), each
 * timed from the CSV read to the result held in memory, for every side in the same run on the same files:
 * Tessera (bench/dataframe/sideTessera.ts), DuckDB (2 threads), arquero 7.2.1 and pandas. Every side runs
 * as a fresh process per question and run (bench/peerServer.ts), so memory and JIT state never leak
 * between sides or questions, and its peak RSS (VmHWM) is that question's; the sides of one question take
 * turns back to back, in an order rotated per run, so they share the machine's load of that moment. It
 * prints medians of `--runs` per side, the ratios Tessera/peer, and checks every side's answer (row count,
 * sums of db-benchmark's check columns) against DuckDB's; writes bench/out/dataframe-h2o.json.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/dataframe/h2o.js [--rows 1e7] [--runs 3]
 *     [--sides tessera,duckdb,arquero,pandas] [--questions read,gq1,...] [--timeout 900]
 *
 * (or `npx tsx bench/dataframe/h2o.ts ...`). A side that is missing (no sideTessera on this build, no
 * python3 with pandas) is reported as unavailable; one that fails or overruns `--timeout` seconds is
 * reported with its error, and the other sides go on.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, summarize, type Timing, writeResult } from '../harness.js';
import { PeerServer } from '../peerServer.js';
import { ensureH2oData, type H2oFiles } from './h2oData.js';
import { QUESTIONS, type Question, type SideAnswer } from './questions.js';

const here = dirname(fileURLToPath(import.meta.url));
const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
const SIDES = ['tessera', 'duckdb', 'arquero', 'pandas'] as const;
type Side = (typeof SIDES)[number];

function option(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1]! : fallback;
}

/** A python3 that imports pandas: $PYTHON, else the first of python3 and Debian's /usr/bin/python3 that does. */
function findPython(): string | undefined {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', '/usr/bin/python3'];
  return candidates.find((p) => spawnSync(p, ['-c', 'import pandas'], { stdio: 'ignore' }).status === 0);
}

interface Launcher {
  readonly command: string;
  readonly args: readonly string[];
  readonly version?: string;
}

/** How to start each side, or why it is unavailable. */
function launchers(python: string | undefined): Record<Side, Launcher | string> {
  const node = (file: string, pkg?: string, flags: readonly string[] = []): Launcher | string => {
    const script = join(here, `${file}.${ext}`);
    if (!existsSync(script)) return `unavailable: ${file}.${ext} is not in this build`;
    const version = pkg ? `${pkg} ${(createRequire(import.meta.url)(`${pkg}/package.json`) as { version: string }).version}` : undefined;
    return { command: process.execPath, args: [...flags, ...(ext === 'ts' ? ['--import', 'tsx', script] : [script])], ...(version ? { version } : {}) };
  };
  const pandasVersion = python && spawnSync(python, ['-c', 'import pandas; print(pandas.__version__)'], { encoding: 'utf8' }).stdout.trim();
  return {
    tessera: node('sideTessera'),
    duckdb: node('sideDuckdb', '@duckdb/node-api'),
    // arquero holds 1e7 rows as JS arrays (several GB): the default heap limit (~4 GB) would end it, so raise it.
    arquero: node('sideArquero', 'arquero', ['--max-old-space-size=16384']),
    pandas: python
      ? { command: python, args: [join(BENCH_DIR, 'dataframe', 'side_pandas.py')], version: `pandas ${pandasVersion}` }
      : 'unavailable: no python3 imports pandas (apt-get install python3-pandas, or set PYTHON)',
  };
}

/** One run of one question on one side, in a process of its own; an error or a timeout comes back as a string. */
async function runOnce(l: Launcher, q: Question, files: readonly string[], timeoutS: number): Promise<SideAnswer | string> {
  const side = new PeerServer(l.command, [...l.args, q.id, ...files], BENCH_DIR);
  let timer: NodeJS.Timeout | undefined;
  try {
    await side.read();
    const overrun = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`timeout after ${timeoutS} s`), timeoutS * 1000);
    });
    const line = await Promise.race([side.request('run'), overrun]);
    if (line.startsWith('timeout')) {
      side.kill();
      return line;
    }
    const answer = JSON.parse(line) as SideAnswer | { error: string };
    return 'error' in answer ? `error: ${answer.error}` : answer;
  } catch (e) {
    side.kill();
    return `error: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    clearTimeout(timer);
    side.close();
    await side.exited();
  }
}

/** Reads a file once, untimed, so that the first side timed does not pay for the disk alone. */
async function warmCache(path: string): Promise<void> {
  for await (const _ of createReadStream(path, { highWaterMark: 1 << 22 }));
}

interface SideResult {
  readonly seconds?: Timing;
  readonly peakRssMiB?: number;
  readonly baseRssMiB?: number;
  readonly rows?: number;
  readonly sums?: Record<string, number>;
  /** Whether the answer matches DuckDB's (rows exactly, sums to 1e-9 relative: summation order differs). */
  readonly matchesDuckdb?: boolean;
  readonly samples?: readonly number[];
  readonly failures?: readonly string[];
}

const median = (xs: readonly number[]): number => summarize(xs).median;

function sameAnswer(a: Pick<SideResult, 'rows' | 'sums'>, b: Pick<SideResult, 'rows' | 'sums'>): boolean {
  if (a.rows !== b.rows) return false;
  return Object.keys(a.sums ?? {}).every((c) => {
    const [x, y] = [a.sums![c]!, b.sums?.[c]];
    return y !== undefined && Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  });
}

function summarizeSide(answers: readonly (SideAnswer | string)[]): SideResult {
  const ok = answers.filter((a): a is SideAnswer => typeof a !== 'string');
  const failures = answers.filter((a): a is string => typeof a === 'string');
  if (ok.length === 0) return { failures };
  const first = ok[0]!;
  const consistent = ok.every((a) => sameAnswer(a, first));
  return {
    seconds: summarize(ok.map((a) => a.seconds)),
    peakRssMiB: median(ok.map((a) => a.peakRssMiB)),
    baseRssMiB: median(ok.map((a) => a.baseRssMiB)),
    rows: first.rows,
    sums: first.sums,
    samples: ok.map((a) => +a.seconds.toFixed(3)),
    ...(failures.length || !consistent ? { failures: [...failures, ...(consistent ? [] : ['runs disagree on the answer'])] } : {}),
  };
}

const cell = (r: SideResult | undefined): string =>
  r?.seconds ? `${r.seconds.median.toFixed(2)} s ${r.peakRssMiB!.toFixed(0).padStart(5)} MiB${r.matchesDuckdb === false ? ' ≠' : ''}` : r?.failures ? 'failed' : '-';

async function main(): Promise<void> {
  const rows = Number(option('rows', '1e7'));
  const runs = Number(option('runs', '3'));
  const timeoutS = Number(option('timeout', '900'));
  const sides = option('sides', SIDES.join(',')).split(',') as Side[];
  const wanted = option('questions', QUESTIONS.map((q) => q.id).join(',')).split(',');
  const questions = QUESTIONS.filter((q) => wanted.includes(q.id));
  for (const s of sides) if (!SIDES.includes(s)) throw new Error(`--sides: unknown side ${s} (one of ${SIDES.join(', ')})`);
  const files = ensureH2oData(rows);
  const all = launchers(sides.includes('pandas') ? findPython() : undefined);
  const launch = Object.fromEntries(sides.map((s) => [s, all[s]])) as Record<Side, Launcher | string>;
  const live = sides.filter((s) => typeof launch[s] !== 'string');
  for (const s of sides) if (typeof launch[s] === 'string') console.log(`${s}: ${launch[s]}`);
  for (const p of new Set(questions.flatMap((q) => q.files(files)))) await warmCache(p);

  const answers: Record<string, Record<string, (SideAnswer | string)[]>> = {};
  for (const q of questions) answers[q.id] = Object.fromEntries(live.map((s) => [s, []]));
  for (let r = 0; r < runs; r++) {
    for (const [qi, q] of questions.entries()) {
      // Rotate the sides' order per run and question, so none always runs first (or right after another).
      for (let k = 0; k < live.length; k++) {
        const s = live[(r + qi + k) % live.length]!;
        const a = await runOnce(launch[s] as Launcher, q, q.files(files), timeoutS);
        answers[q.id]![s]!.push(a);
        console.log(`run ${r + 1}/${runs} ${q.id.padEnd(4)} ${s.padEnd(7)} ${typeof a === 'string' ? a : `${a.seconds.toFixed(3)} s, peak ${a.peakRssMiB} MiB`}`);
      }
    }
    // Written after every run, so a run cut short (the machine is shared) still leaves its figures.
    report({ rows, runs: r + 1, sides, launch, questions, files, answers });
  }
}

interface RunState {
  readonly rows: number;
  readonly runs: number;
  readonly sides: readonly Side[];
  readonly launch: Record<Side, Launcher | string>;
  readonly questions: readonly Question[];
  readonly files: H2oFiles;
  readonly answers: Record<string, Record<string, (SideAnswer | string)[]>>;
}

/** Prints the table of medians and ratios over the runs done so far and writes the JSON. */
function report({ rows, runs, sides, launch, questions, files, answers }: RunState): void {
  const live = sides.filter((s) => typeof launch[s] !== 'string');
  const results: Record<string, Record<string, unknown>> = {};
  const header = `${'question'.padEnd(28)}${sides.map((s) => s.padStart(22)).join('')}   ${sides.filter((s) => s !== 'tessera').map((s) => `T/${s}`.padStart(10)).join('')}`;
  console.log(`\nh2o db-benchmark, ${rows.toExponential(0)} rows, median of ${runs} runs (seconds from the CSV read to the result in memory; peak RSS; ≠ = answer differs from DuckDB's)`);
  console.log(header);
  for (const q of questions) {
    const per: Record<string, SideResult> = {};
    for (const s of live) per[s] = summarizeSide(answers[q.id]![s]!);
    const ref = per.duckdb?.seconds ? per.duckdb : undefined;
    for (const s of live) if (ref && per[s]!.seconds) per[s] = { ...per[s]!, matchesDuckdb: sameAnswer(per[s]!, ref) };
    const tessera = per.tessera?.seconds?.median;
    const ratios: Record<string, number> = {};
    for (const s of live) {
      const t = per[s]!.seconds?.median;
      if (s !== 'tessera' && tessera !== undefined && t !== undefined) ratios[`tessera/${s}`] = +(tessera / t).toFixed(3);
    }
    const mbPerS: Record<string, number> = {};
    if (q.id === 'read') {
      const bytes = statSync(files.groupby).size;
      for (const s of live) if (per[s]!.seconds) mbPerS[s] = +(bytes / 1e6 / per[s]!.seconds!.median).toFixed(1);
    }
    results[q.id] = {
      title: q.title,
      files: q.files(files).map((p) => p.slice(p.lastIndexOf('/') + 1)),
      sides: { ...per, ...Object.fromEntries(sides.filter((s) => typeof launch[s] === 'string').map((s) => [s, launch[s]])) },
      ratios,
      ...(q.id === 'read' ? { mbPerSecond: mbPerS } : {}),
    };
    const ratioCells = sides.filter((s) => s !== 'tessera').map((s) => (ratios[`tessera/${s}`] !== undefined ? ratios[`tessera/${s}`]!.toFixed(2) : '-').padStart(10));
    console.log(`${`${q.id} ${q.title}`.padEnd(28)}${sides.map((s) => (typeof launch[s] === 'string' ? 'unavailable' : cell(per[s])).padStart(22)).join('')}   ${ratioCells.join('')}`);
  }
  const versions = Object.fromEntries(live.map((s) => [s, (launch[s] as Launcher).version ?? null]).filter(([, v]) => v));
  const path = writeResult(rows === 1e7 ? 'dataframe-h2o' : `dataframe-h2o-${rows.toExponential(0).replace('+', '')}`, { rows, runs, sides, versions, note: 'one process per side, question and run; timing from before the CSV read to the result in memory', results });
  console.log(`wrote ${path}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
