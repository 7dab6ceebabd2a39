/**
 * A design probe, not a user figure (issue 13's rows through the public API are numpyFamily.ts): how fast
 * one and two threads stream float64 from memory, summing it, as the engine's JS loops do and as a
 * WebAssembly SIMD loop over a shared wasm memory would, with NumPy's `x.sum(axis=1)` over the same bytes
 * (its arrays sit on huge pages, which NumPy asks the kernel for) timed in the same run. The row sums,
 * transposed sums and strided maxima of issue 13 are bound by this rate: a JS loop cannot read a chunk
 * faster than this, whatever the engine around it does. Chunks are 419x5000 doubles, as a 5000x5000 x's.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/tensor/streamProbe.js [chunks=12] [runs=7]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ADD, get, I32, i32c, name, section, set, uleb, V128, vec, vload, F64X2_ADD } from '../../src/kernels/tensor/wasmAsm.js';
import { summarize, writeResult } from '../harness.js';

const CHUNK_DOUBLES = 419 * 5000;
const CHUNK_PAGES = Math.ceil((CHUNK_DOUBLES * 8) / 65536);
const F64 = 0x7c;

/** sum(from, to): the doubles at byte offsets [from, to) of the imported shared memory, four f64x2 lanes. */
function sumModule(): WebAssembly.Module {
  const lane = (local: number, offset: number): number[] => [...get(local), ...get(0), ...vload(offset), ...F64X2_ADD, ...set(local)];
  const body = [
    ...vec([[1, I32], [4, V128]]),
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(0), ...get(1), 0x4f, 0x0d, 1, // from >= to: leave
    ...lane(3, 0), ...lane(4, 16), ...lane(5, 32), ...lane(6, 48),
    ...get(0), ...i32c(64), ...ADD, ...set(0),
    0x0c, 0, 0x0b, 0x0b, // br loop, end, end
    ...get(3), ...get(4), ...F64X2_ADD, ...get(5), ...get(6), ...F64X2_ADD, ...F64X2_ADD, ...set(3),
    ...get(3), 0xfd, ...uleb(0x21), 0, ...get(3), 0xfd, ...uleb(0x21), 1, 0xa0, // lane 0 + lane 1
    0x0b,
  ];
  return new WebAssembly.Module(new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec([[0x60, ...vec([[I32], [I32]]), ...vec([[F64]])]])),
    ...section(2, vec([[...name('e'), ...name('m'), 0x02, 0x03, ...uleb(1), ...uleb(65536)]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('sum'), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]));
}

/** The engine's shape of a row sum: four JS accumulators per row, rows and elements walked down. */
function jsRowSums(x: Float64Array, out: Float64Array): void {
  const cols = 5000;
  for (let r = x.length / cols - 1; r >= 0; r--) {
    const b = r * cols;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let j = b + cols - 4; j >= b; j -= 4) {
      a0 += x[j]!;
      a1 += x[j + 1]!;
      a2 += x[j + 2]!;
      a3 += x[j + 3]!;
    }
    out[r] = a0 + a1 + (a2 + a3);
  }
}

interface Job {
  readonly kind: 'js' | 'wasm';
  readonly memories: readonly WebAssembly.Memory[];
  readonly runs: number;
}

/** Medians (ms) of summing every chunk once, `runs` times. */
function stream(job: Job): number {
  const samples: number[] = [];
  const out = new Float64Array(419);
  const sums = job.memories.map((m) => (new WebAssembly.Instance(sumModule(), { e: { m } }).exports as { sum: (from: number, to: number) => number }).sum);
  const views = job.memories.map((m) => new Float64Array(m.buffer, 0, CHUNK_DOUBLES));
  for (let run = 0; run <= job.runs; run++) {
    const t0 = performance.now();
    if (job.kind === 'wasm') for (const sum of sums) sum(0, CHUNK_DOUBLES * 8);
    else for (const v of views) jsRowSums(v, out);
    if (run > 0) samples.push(performance.now() - t0);
  }
  return summarize(samples).median;
}

if (!isMainThread) {
  parentPort!.postMessage(stream(workerData as Job));
} else {
  const [chunks = 12, runs = 7] = process.argv.slice(2).map(Number);
  const memories = Array.from({ length: chunks }, (_, k) => {
    const m = new WebAssembly.Memory({ initial: CHUNK_PAGES, maximum: CHUNK_PAGES, shared: true });
    const x = new Float64Array(m.buffer, 0, CHUNK_DOUBLES);
    for (let i = 0; i < x.length; i++) x[i] = ((i * 2654435761 + k) >>> 0) / 2 ** 32;
    return m;
  });
  const bytes = chunks * CHUNK_DOUBLES * 8;
  const rate = (ms: number): number => +(bytes / ms / 1e6).toFixed(2);
  const onTwo = async (kind: Job['kind']): Promise<number> => {
    const halves = [memories.slice(0, chunks >> 1), memories.slice(chunks >> 1)];
    const times = await Promise.all(
      halves.map((part) => new Promise<number>((resolve, reject) => {
        const w = new Worker(fileURLToPath(import.meta.url), { workerData: { kind, memories: part, runs } satisfies Job });
        w.once('message', (ms: number) => void w.terminate().then(() => resolve(ms)));
        w.once('error', reject);
      })),
    );
    return Math.max(...times);
  };
  const rows: Record<string, number> = {
    jsOneThreadGBps: rate(stream({ kind: 'js', memories, runs })),
    wasmOneThreadGBps: rate(stream({ kind: 'wasm', memories, runs })),
    jsTwoThreadsGBps: rate(await onTwo('js')),
    wasmTwoThreadsGBps: rate(await onTwo('wasm')),
  };
  const py = spawnSync('python3', ['-c', `
import numpy as np, time
x = np.random.default_rng(1).random((${(chunks * CHUNK_DOUBLES) / 5000}, 5000))
ts = []
for _ in range(${runs + 1}):
    t = time.perf_counter(); x.sum(axis=1); ts.append(time.perf_counter() - t)
print(sorted(ts[1:])[len(ts[1:]) // 2] * 1e3)
`], { encoding: 'utf8' });
  const numpyMs = py.status === 0 ? Number(py.stdout.trim()) : NaN;
  const result = { probe: 'float64 streaming sum', megabytes: +(bytes / 1e6).toFixed(1), ...rows, numpyOneThreadGBps: rate(numpyMs) };
  console.log(JSON.stringify(result));
  writeResult('tensor-streamProbe', result);
}
