/**
 * Many sessions in one process (issue 10 §5). Every figure but the first comes from a fresh child
 * process per measurement, so thread start-up and RSS belong to the configuration measured:
 *
 * - open: the cost of `newSession()` (median, max and the process's first, µs) and the OS threads the process gained
 *   right after opening 200 sessions (must be 0: opening a session starts no thread);
 * - concurrent: N sessions (10, 50, 200) opened at once, each summing a 10-chunk arange plus its index
 *   (`arange(0, 100000, 1, {chunkSize: 10000}).add(i).sum()`), fetched and checked exact; wall time
 *   from the first open to the last checked result, close time, and peak RSS — on the shared pool and,
 *   as the in-run baseline, with `pool: 'private'` (each session its own pool of the machine's size,
 *   as every session had before the pool was shared), runs alternating between the two;
 * - fairness: the latency of that small run alone, and while another session's long run (hundreds of
 *   heavy chunks) is going on the same shared pool.
 *
 * From the compiled tree, as `npm run bench` runs it (under tsx every private pool's threads load the
 * TypeScript loader, which makes the baseline several times slower than it is for users):
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/session/manySessions.js [--repeats 3] [--sessions 10,50,200]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readdirSync } from 'node:fs';
import { type NdArray, newSession, type ProgressEvent, type Session, tensor as tt } from '../../src/index.js';
import { summarize, writeResult } from '../harness.js';

const N_ELEMENTS = 100_000;
const CHUNK = 10_000;

/** The small run of session i: exact, since every partial sum is an integer below 2^53. */
function smallRun(sess: Session, i: number): Promise<number> {
  return sess.run(tt.arange(0, N_ELEMENTS, 1, { chunkSize: CHUNK }).add(i).sum()).then((v) => (v as NdArray).item() as number);
}
const expected = (i: number): number => (N_ELEMENTS * (N_ELEMENTS - 1)) / 2 + i * N_ELEMENTS;

const peakRssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

interface ConcurrentResult {
  readonly wallMs: number;
  readonly openMs: number;
  readonly closeMs: number;
  readonly peakRssMiB: number;
  readonly exact: boolean;
}

async function concurrent(n: number, pool: 'shared' | 'private'): Promise<ConcurrentResult> {
  const t0 = performance.now();
  const sessions = Array.from({ length: n }, () => newSession({ mode: 'lazy', default: false, pool }));
  const t1 = performance.now();
  const sums = await Promise.all(sessions.map((s, i) => smallRun(s, i)));
  const exact = sums.every((v, i) => v === expected(i));
  const t2 = performance.now();
  await Promise.all(sessions.map((s) => s.close()));
  const t3 = performance.now();
  return { wallMs: t2 - t0, openMs: t1 - t0, closeMs: t3 - t2, peakRssMiB: peakRssMiB(), exact };
}

/** newSession() timed one by one, 200 times; the pool must have no thread afterwards. */
async function openCost(): Promise<Record<string, number>> {
  const micros: number[] = [];
  const sessions: Session[] = [];
  // The process's OS threads, as a user sees them (Linux): opening sessions must start none.
  const osThreads = (): number => readdirSync('/proc/self/task').length;
  const threadsBefore = osThreads();
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    sessions.push(newSession({ mode: 'lazy', default: false }));
    micros.push((performance.now() - t) * 1000);
  }
  const threads = osThreads() - threadsBefore;
  const rest = summarize(micros.slice(1));
  await Promise.all(sessions.map((s) => s.close()));
  return { firstUs: Math.round(micros[0]!), medianUs: Math.round(rest.median), maxUs: Math.round(rest.max), threadsAfterOpening: threads };
}

/**
 * The small run's latency alone (median of `runs`), then while session A runs 1500 chunks of 100,000
 * elements through a fused chain of transcendental ops — each chunk one entry of its own.
 */
async function fairness(runs: number): Promise<Record<string, unknown>> {
  const a = newSession({ mode: 'lazy', default: false });
  const b = newSession({ mode: 'lazy', default: false });
  try {
    for (let i = 0; i < 3; i++) await smallRun(b, i);
    const alone: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      if ((await smallRun(b, i)) !== expected(i)) throw new Error('inexact small run');
      alone.push(performance.now() - t);
    }
    // A's chunks done so far, from its public progress events.
    let fromA = 0;
    const count = (e: ProgressEvent): void => {
      fromA = e.done;
    };
    a.on('progress', count);
    let bigDone = false;
    const tBig = performance.now();
    const big = a.run(tt.arange(0, 1500 * 100_000, 1, { chunkSize: 100_000 }).sqrt().add(1).log().exp().sum()).then((v) => {
      bigDone = true;
      return v;
    });
    while (fromA === 0) await new Promise((r) => setImmediate(r));
    const during: number[] = [];
    for (let i = 0; i < runs && !bigDone; i++) {
      const t = performance.now();
      if ((await smallRun(b, 100 + i)) !== expected(100 + i)) throw new Error('inexact small run');
      during.push(performance.now() - t);
    }
    const fromAWhileSmall = fromA;
    await big;
    const bigMs = performance.now() - tBig;
    a.off('progress', count);
    const aloneMs = summarize(alone).median;
    const duringMs = summarize(during).median;
    return {
      smallAloneMs: +aloneMs.toFixed(2),
      smallDuringBigMs: +duringMs.toFixed(2),
      ratio: +(duringMs / aloneMs).toFixed(2),
      smallRunsDuringBig: during.length,
      bigRunMs: Math.round(bigMs),
      bigChunksDoneBeforeLastSmall: fromAWhileSmall,
      bigChunksDone: fromA,
    };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** Runs this script again in a fresh process with `args`; returns the JSON it printed last. */
function child(args: string[]): Record<string, unknown> {
  const script = fileURLToPath(import.meta.url);
  const node = script.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  const r = spawnSync(process.execPath, [...node, '--child', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`child ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

/** Runs of the private-pool baseline: every repeat up to 50 sessions, one above (BENCH_SESSIONS_PRIVATE_REPEATS overrides). */
function privateRepeats(n: number, repeats: number): number {
  const forced = process.env.BENCH_SESSIONS_PRIVATE_REPEATS;
  if (forced !== undefined) return Number(forced);
  return n <= 50 ? repeats : 1;
}

export async function benchSessions(repeats = 3, counts: readonly number[] = [10, 50, 200]): Promise<Record<string, unknown>> {
  const open = Array.from({ length: repeats }, () => child(['--measure', 'open']));
  const openSummary = {
    medianUs: summarize(open.map((o) => o.medianUs as number)).median,
    firstUs: summarize(open.map((o) => o.firstUs as number)).median,
    maxUs: Math.max(...open.map((o) => o.maxUs as number)),
    threadsAfterOpening: Math.max(...open.map((o) => o.threadsAfterOpening as number)),
  };
  console.log(`open a session: median ${openSummary.medianUs} µs (first in the process ${openSummary.firstUs} µs, max ${openSummary.maxUs} µs), threads after opening 200: ${openSummary.threadsAfterOpening}`);
  const concurrentResults: Record<string, unknown> = {};
  for (const n of counts) {
    const runs: Record<'shared' | 'private', ConcurrentResult[]> = { shared: [], private: [] };
    for (let r = 0; r < repeats; r++) {
      for (const pool of ['shared', 'private'] as const) {
        // 200 private pools start 400+ threads for a couple of minutes and GBs of RSS on a shared machine: once is enough.
        if (pool === 'private' && r >= privateRepeats(n, repeats)) continue;
        runs[pool].push(child(['--measure', 'concurrent', '--n', String(n), '--pool', pool]) as unknown as ConcurrentResult);
      }
    }
    const med = (pool: 'shared' | 'private', k: keyof ConcurrentResult): number => summarize(runs[pool].map((x) => x[k] as number)).median;
    const row = (pool: 'shared' | 'private') => ({
      wallMs: Math.round(med(pool, 'wallMs')),
      openMs: +med(pool, 'openMs').toFixed(1),
      closeMs: Math.round(med(pool, 'closeMs')),
      peakRssMiB: med(pool, 'peakRssMiB'),
      exact: runs[pool].every((x) => x.exact),
      wallMsRuns: runs[pool].map((x) => Math.round(x.wallMs)),
    });
    const shared = row('shared');
    const priv = row('private');
    concurrentResults[n] = { shared, private: priv, wallRatio: +(shared.wallMs / priv.wallMs).toFixed(3), rssRatio: +(shared.peakRssMiB / priv.peakRssMiB).toFixed(3) };
    console.log(
      `${String(n).padStart(3)} sessions: shared ${shared.wallMs} ms, ${shared.peakRssMiB} MiB peak RSS (exact: ${shared.exact}) | ` +
        `private pools ${priv.wallMs} ms, ${priv.peakRssMiB} MiB (exact: ${priv.exact})`,
    );
  }
  const fair = Array.from({ length: repeats }, () => child(['--measure', 'fairness']));
  const fm = (k: string): number => summarize(fair.map((f) => f[k] as number)).median;
  const fairSummary = {
    smallAloneMs: fm('smallAloneMs'),
    smallDuringBigMs: fm('smallDuringBigMs'),
    ratio: fm('ratio'),
    smallEntryWaitMs: fm('smallEntryWaitMs'),
    bigRunMs: fm('bigRunMs'),
    runs: fair,
  };
  console.log(
    `fairness: small run alone ${fairSummary.smallAloneMs} ms, while a 1500-chunk run is going ${fairSummary.smallDuringBigMs} ms ` +
      `(x${fairSummary.ratio}; the big run took ${fairSummary.bigRunMs} ms)`,
  );
  return { repeats, open: openSummary, concurrent: concurrentResults, fairness: fairSummary };
}

const { values } = parseArgs({
  options: {
    child: { type: 'boolean', default: false },
    measure: { type: 'string' },
    n: { type: 'string', default: '10' },
    pool: { type: 'string', default: 'shared' },
    repeats: { type: 'string', default: process.env.BENCH_SESSIONS_REPEATS ?? '3' },
    sessions: { type: 'string', default: '10,50,200' },
  },
  strict: false,
});

if (values.child) {
  const measure = values.measure;
  const result =
    measure === 'open' ? await openCost() : measure === 'fairness' ? await fairness(15) : await concurrent(Number(values.n), values.pool as 'shared' | 'private');
  console.log(JSON.stringify(result));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await benchSessions(Number(values.repeats), String(values.sessions).split(',').map(Number));
  console.log(`wrote ${writeResult('sessions', r)}`);
}
