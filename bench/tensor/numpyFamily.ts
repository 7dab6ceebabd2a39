/**
 * Matrix products, random draws, axis reductions and views through the public API in a lazy `threads`
 * session, NumPy timed in the same run on the same shapes (issue 13): the issue's rows on an executed
 * 5000x5000 x (BENCH_VIEWS, 0 to leave them out: column normalisation, a row sum, a strided slice's
 * max, a transposed column sum, and beside them the strided slice's sum and 200 rows as a copy the
 * user owns, run and fetched); `a.matmul(b).sum()` for
 * float64 squares (the operands executed and cached first, as NumPy's are in memory) with the default
 * options (ONNX Runtime's GEMM, `kernel: 'native'`) and again with `nativeMatmul` off (the engine's
 * WebAssembly kernel, `kernel: 'wasm'`), `tt.random.rand(n).sum()` and `randn`; and the matrix kernels
 * alone on one thread (a kernel probe: ONNX Runtime, WebAssembly SIMD and scalar JS, alternated).
 * Ratios are NumPy's time over Tessera's (above 1: Tessera is faster). NumPy runs as a server process
 * (bench/peerServer.ts) holding its arrays, and each timed run of a workload is paired with one of
 * NumPy's on the same workload, the two taking turns (who goes first alternates), so a shared machine's
 * slow minutes fall on both sides alike. BENCH_MATMUL and BENCH_RANDOM override the sizes (0 leaves the
 * matrix rows, or the random rows and the generators alone, out); BENCH_RUNS the timed runs (medians),
 * BENCH_WARMUP Tessera's untimed runs before them (default 1; NumPy always has one).
 */
import { getOption, newSession, setOption, tensor as tt, type NdArray, type Session, type Tensor } from '../../src/index.js';
import { normalRun, uniformRun } from '../../src/kernels/tensor/counterRandom.js';
import { gemm } from '../../src/kernels/tensor/gemm.js';
import { nativeGemm } from '../../src/kernels/tensor/nativeGemm.js';
import { fmt, summarize, type Timing, writeResult } from '../harness.js';
import { PeerServer } from '../peerServer.js';

/** Sizes from an env list; 0 (or nothing) leaves that family out. */
const sizes = (value: string): number[] => value.split(',').map(Number).filter((n) => n > 0);
const MATMUL = sizes(process.env.BENCH_MATMUL ?? '1000,4000');
const RANDOM = sizes(process.env.BENCH_RANDOM ?? '25000000');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Untimed runs before the timed ones (the engine's loops are compiled and optimised as they run). */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
/** The side of the square x of the axis, view and statistics rows (0 leaves them out). */
const VIEWS = Number(process.env.BENCH_VIEWS ?? 5000);

/**
 * The issue's rows on an executed x (NumPy's x is in memory too): [name, Tessera's expression, NumPy's,
 * and how the result is had: `sess.run` (executed, then fetched: the default) or `fetch` alone].
 */
const VIEW_ROWS: readonly (readonly [string, (x: Tensor) => Tensor, string, ('run' | 'fetch')?])[] = [
  ['normalise by column, sum', (x) => x.sub(x.mean({ axis: 0 })).div(x.std({ axis: 0 })).sum(), '((x - x.mean(axis=0)) / x.std(axis=0)).sum()'],
  ['sum axis 1', (x) => x.sum({ axis: 1 }), 'x.sum(axis=1)'],
  ["slice '::2, 100:4000' max", (x) => x.slice('::2, 100:4000').max(), 'x[::2, 100:4000].max()'],
  // Not one of the issue's rows: the same view's sum, which takes another path (segmentedSum.ts).
  ["slice '::2, 100:4000' sum", (x) => x.slice('::2, 100:4000').sum(), 'x[::2, 100:4000].sum()'],
  ['transpose sum axis 0', (x) => x.transpose().sum({ axis: 0 }), 'x.T.sum(axis=0)'],
  // Not one of the issue's rows: a fetched view is the user's own copy (8 MB), as NumPy's .copy() is —
  // run (the slice executed into the session's cache, then copied out) and fetched from x's chunks.
  ['run x[0:200] (a copy)', (x) => x.slice('0:200'), 'x[0:200].copy()'],
  ['fetch x[0:200] (a copy)', (x) => x.slice('0:200'), 'x[0:200].copy()', 'fetch'],
];

interface Workload {
  readonly name: string;
  readonly python: string;
  readonly flops?: number;
  readonly bytes?: number;
}

/**
 * NumPy as a server: every workload registered by its `bench(name, setup, fn)` line, then one timed run
 * (ms) per request line naming it — the first request of a workload makes its arrays and runs it once
 * untimed first. Undefined when python3 or NumPy is missing.
 */
async function numpyServer(workloads: readonly Workload[]): Promise<PeerServer | undefined> {
  const script = [
    'import sys, time, numpy as np',
    'registered = {}',
    // `settle`: seconds to wait before answering. OpenBLAS's threads spin for a while after a product
    // before they sleep; answering at once put them on the CPU beside Tessera's next run (1000² matmul
    // 25-48 ms paired, 23-29 unpaired). Only the products wait: after a pause, Tessera's next run is
    // slower (below), so a wait after every workload would measure that instead.
    'def bench(name, setup, fn, settle=0):',
    '    registered[name] = [setup, fn, None, settle]',
    ...workloads.map((w) => w.python),
    "print('ready', flush=True)",
    'for line in sys.stdin:',
    '    name = line.strip()',
    "    if name == 'quit':",
    '        break',
    '    w = registered[name]',
    '    if w[2] is None:',
    '        w[2] = (w[0](),)',
    '        w[1](w[2][0])',
    '    t0 = time.perf_counter(); w[1](w[2][0])',
    '    ms = (time.perf_counter() - t0) * 1000',
    '    time.sleep(w[3])',
    '    print(ms, flush=True)',
  ].join('\n');
  const server = new PeerServer('python3', ['-c', script], process.cwd());
  try {
    if ((await server.read()) === 'ready') return server;
  } catch {
    // No python3, or no NumPy: the rows go without ratios.
  }
  server.kill();
  return undefined;
}

/** Tessera's and NumPy's timings of one workload (NumPy's when there is a server). */
interface Paired {
  readonly engine: Timing;
  readonly numpy: Timing | undefined;
}

/**
 * Tessera's `once` timed RUNS times after WARMUP untimed runs, each timed run paired with one of NumPy's
 * on workload `name` (when there is a server), the order of the pair alternating.
 */
async function paired(np: PeerServer | undefined, name: string, once: () => Promise<unknown>): Promise<Paired> {
  for (let i = 0; i < WARMUP; i++) await once();
  const ours: number[] = [];
  const theirs: number[] = [];
  const ourRun = async (): Promise<void> => {
    const t0 = performance.now();
    await once();
    ours.push(performance.now() - t0);
  };
  for (let r = 0; r < RUNS; r++) {
    if (np && r % 2 === 1) theirs.push(await np.ask(name));
    await ourRun();
    if (np && r % 2 === 0) theirs.push(await np.ask(name));
  }
  return { engine: summarize(ours), numpy: theirs.length > 0 ? summarize(theirs) : undefined };
}

async function timeSum(np: PeerServer | undefined, name: string, sess: Session, build: () => Tensor): Promise<{ timing: Paired; value: number }> {
  let value = 0;
  const timing = await paired(np, name, async () => {
    const s = build().sum();
    value = ((await sess.run(s)) as NdArray).item() as number;
    sess.release(s.node);
  });
  return { timing, value };
}

async function matmulRow(np: PeerServer | undefined, n: number, native: boolean): Promise<{ timing: Paired; value: number; workers: number }> {
  const saved = getOption('nativeMatmul');
  setOption('nativeMatmul', native);
  const sess = newSession({ mode: 'lazy', executor: 'threads', default: false });
  try {
    const a = tt.random.rand([n, n], { seed: 1 });
    const b = tt.random.rand([n, n], { seed: 2 });
    await sess.execute([a.node, b.node]);
    const r = await timeSum(np, `matmul ${n}x${n}`, sess, () => a.matmul(b));
    return { ...r, workers: sess.info.workers };
  } finally {
    await sess.close();
    setOption('nativeMatmul', saved);
  }
}

/** The kernels alone on this thread: GFLOP/s of ONNX Runtime's, the wasm SIMD and the scalar JS ones, alternated. */
function kernelRow(n: number): Record<string, unknown> {
  const a = Float64Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1009) / 1009);
  const b = Float64Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1013) / 1013);
  const out = new Float64Array(n * n);
  const pairs = [{ a: { data: a, offset: 0, rowStride: n, colStride: 1 }, b: { data: b, offset: 0, rowStride: n, colStride: 1 }, k: n }];
  const native = nativeGemm();
  const kernels = {
    ...(native ? { native: () => native.product(out, n, n, pairs) } : {}),
    wasm: () => gemm(out, n, n, pairs, 'wasm'),
    js: () => gemm(out, n, n, pairs, 'js'),
  };
  const samples: Record<string, number[]> = {};
  for (let r = 0; r < RUNS + 1; r++) {
    for (const [name, run] of Object.entries(kernels)) {
      const t0 = performance.now();
      run();
      if (r > 0) (samples[name] ??= []).push(performance.now() - t0);
    }
  }
  const gf = (t: Timing): number => +((2 * n ** 3) / t.median / 1e6).toFixed(2);
  const row: Record<string, unknown> = { workload: `gemm kernel ${n}x${n} one thread` };
  for (const [name, times] of Object.entries(samples)) {
    const t = summarize(times);
    row[`${name}Ms`] = t;
    row[`${name}Gflops`] = gf(t);
  }
  console.log(`kernel ${n}x${n}, one thread (GFLOP/s): ${Object.keys(samples).map((k) => `${k} ${row[`${k}Gflops`]}`).join(', ')}`);
  return row;
}

/**
 * The generators alone on this thread, into a buffer already touched (GB/s of float64), beside the
 * cost of touching a fresh 16 MiB buffer (page faults), which every new chunk pays once. The fresh
 * buffers are kept alive until the end, so the allocator cannot hand back pages it already faulted in.
 */
function generatorRow(): Record<string, unknown> {
  const n = 2 * 1024 * 1024;
  const out = new Float64Array(n);
  const samples: Record<'uniform' | 'normal' | 'firstTouch', number[]> = { uniform: [], normal: [], firstTouch: [] };
  const fresh: Float64Array[] = [];
  for (let r = 0; r < RUNS + 1; r++) {
    let t0 = performance.now();
    uniformRun(out, r * n, 7);
    if (r > 0) samples.uniform.push(performance.now() - t0);
    t0 = performance.now();
    normalRun(out, r * n, 7);
    if (r > 0) samples.normal.push(performance.now() - t0);
    t0 = performance.now();
    fresh.push(new Float64Array(new SharedArrayBuffer(8 * n)).fill(1));
    if (r > 0) samples.firstTouch.push(performance.now() - t0);
  }
  const gbps = (t: Timing): number => +((8 * n) / t.median / 1e6).toFixed(2);
  const [u, g, f] = [summarize(samples.uniform), summarize(samples.normal), summarize(samples.firstTouch)];
  fresh.length = 0;
  console.log(`generators, one thread, 16 MiB warm: uniform ${gbps(u)} GB/s, normal ${gbps(g)} GB/s; touching a fresh 16 MiB: ${fmt(f.median)}`);
  return { workload: 'generators 2M float64 one thread', uniformMs: u, normalMs: g, freshBufferFillMs: f, uniformGBps: gbps(u), normalGBps: gbps(g) };
}

export async function benchNumpyFamily(): Promise<Record<string, unknown>[]> {
  const workloads: Workload[] = [
    ...MATMUL.map((n) => ({
      name: `matmul ${n}x${n}`,
      flops: 2 * n ** 3,
      python: `bench('matmul ${n}x${n}', lambda: (np.random.default_rng(1).random((${n}, ${n})), np.random.default_rng(2).random((${n}, ${n}))), lambda e: (e[0] @ e[1]).sum(), 0.25)`,
    })),
    ...RANDOM.flatMap((n) => [
      { name: `rand ${n}`, bytes: 8 * n, python: `bench('rand ${n}', lambda: None, lambda e: np.random.default_rng(7).random(${n}).sum())` },
      { name: `randn ${n}`, bytes: 8 * n, python: `bench('randn ${n}', lambda: None, lambda e: np.random.default_rng(7).standard_normal(${n}).sum())` },
    ]),
  ];
  if (VIEWS > 0) {
    for (const [name, , py] of VIEW_ROWS) {
      workloads.push({ name: `${name} ${VIEWS}x${VIEWS}`, python: `bench(${JSON.stringify(`${name} ${VIEWS}x${VIEWS}`)}, lambda: None, lambda e: (lambda x: ${py})(X))` });
    }
    workloads.unshift({ name: 'setup', python: `X = np.random.default_rng(1).random((${VIEWS}, ${VIEWS}))` });
  }
  const np = await numpyServer(workloads);
  try {
    return await measure(np, workloads);
  } finally {
    np?.close();
    await np?.exited();
  }
}

async function measure(np: PeerServer | undefined, workloads: readonly Workload[]): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  const report = (w: Workload, { engine: engineMs, numpy: ref }: Paired, extra: Record<string, unknown>): void => {
    const row = {
      workload: w.name,
      engineMs,
      ...(w.flops ? { engineGflops: +(w.flops / engineMs.median / 1e6).toFixed(2) } : {}),
      ...(w.bytes ? { engineGBps: +(w.bytes / engineMs.median / 1e6).toFixed(2) } : {}),
      ...(ref ? { numpyMs: ref, numpyOverEngine: +(ref.median / engineMs.median).toFixed(3) } : {}),
      ...extra,
    };
    rows.push(row);
    console.log(`${w.name.padEnd(22)} ${JSON.stringify(extra)} engine ${fmt(engineMs.median)}${ref ? `  numpy ${fmt(ref.median)}  numpy/engine ${row.numpyOverEngine}` : ''}`);
  };
  const named = (name: string): Workload => workloads.find((w) => w.name === name)!;
  if (VIEWS > 0) {
    const sess = newSession({ mode: 'lazy', executor: 'threads', default: false });
    try {
      const x = tt.random.rand([VIEWS, VIEWS], { seed: 1 });
      await sess.execute([x.node]);
      for (const [name, build, , how = 'run'] of VIEW_ROWS) {
        const w = named(`${name} ${VIEWS}x${VIEWS}`);
        const timing = await paired(np, w.name, async () => {
          const r = build(x);
          if (how === 'fetch') {
            await r.fetch({ session: sess });
            return;
          }
          await sess.run(r);
          sess.release(r.node);
        });
        report(w, timing, { workers: sess.info.workers });
      }
    } finally {
      await sess.close();
    }
  }
  for (const n of MATMUL) {
    for (const native of [true, false]) {
      const r = await matmulRow(np, n, native);
      report(named(`matmul ${n}x${n}`), r.timing, { kernel: native ? 'native' : 'wasm', workers: r.workers, sum: r.value });
    }
  }
  if (MATMUL.length > 0) rows.push(kernelRow(Math.min(...MATMUL, 1000)));
  const sess = newSession({ mode: 'lazy', executor: 'threads', default: false });
  try {
    for (const n of RANDOM) {
      const [wr, wn] = [named(`rand ${n}`), named(`randn ${n}`)];
      const u = await timeSum(np, wr.name, sess, () => tt.random.rand([n], { seed: 7 }));
      report(wr, u.timing, { workers: sess.info.workers, mean: u.value / n });
      const g = await timeSum(np, wn.name, sess, () => tt.random.randn([n], { seed: 7 }));
      report(wn, g.timing, { workers: sess.info.workers, mean: g.value / n });
    }
  } finally {
    await sess.close();
  }
  if (RANDOM.length > 0) rows.push(generatorRow());
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchNumpyFamily();
  console.log(`wrote ${writeResult('numpyFamily', { rows })}`);
}
