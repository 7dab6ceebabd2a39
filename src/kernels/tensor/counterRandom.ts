/**
 * Random tensors from a counter-based generator (Philox4x32-10, wasmPhilox.ts): element e of a tensor
 * (its row-major flat index) is a pure function of (seed, e), so a chunk fills its elements straight
 * from their positions, on any worker, in any order, and the same seed gives the same tensor for every
 * chunking and worker count. Uniform doubles take counter e/2 (two doubles per counter). Normals take
 * two words of counter e/2 and the 256-layer ziggurat of Marsaglia & Tsang (2000), which is exact: most
 * draws accept on the first rectangle test, the rest go through the wedge test or the tail method,
 * drawing from the element's own slow counters, so rejections never shift another element.
 * (The older `RandomStream` in random.ts is a separate sequential generator, kept for data makers
 * that pin its values.)
 */
import type { TypedArray } from '../../base/dtypes.js';
import { philox, PHILOX_MEMORY_PAGES } from './wasmPhilox.js';
import { COUNTERS_PER_TRIP, philoxSimd } from './wasmPhiloxSimd.js';

/** Counters per wasm call: 8192 · 16 bytes of output in the module's memory. */
const BLOCK = 8192;
const SCRATCH = BLOCK * 16;
const PAGE = 65536;
/** The fourth counter word tells the distributions apart, so rand and randn with one seed are independent. */
const UNIFORM_TAG = 0;
const NORMAL_TAG = 1;
const NORMAL_SLOW_TAG = 2;
/** The second key word (the first is the seed): a fixed constant, "Tess". */
const KEY1 = 0x54657373;
const TWO32 = 4294967296;

// A block of output and the slow draws' words fit the generator's memory, which never grows (wasmPhilox.ts says why).
if (SCRATCH + 64 > PHILOX_MEMORY_PAGES * PAGE) throw new Error(`counterRandom.ts needs ${SCRATCH + 64} bytes of the generator's memory; raise PHILOX_MEMORY_PAGES`);

/**
 * The output of `n` counters from `counter` into the module's memory from 0 (`uniform`: two doubles,
 * `words`: four words, 16 bytes a counter either way): COUNTERS_PER_TRIP at a time in SIMD lanes
 * (wasmPhiloxSimd.ts, bit-identical) while the counters' low word does not wrap, the rest by the scalar rounds.
 */
function runCounters(g: ReturnType<typeof philox>, kind: 'uniform' | 'words', counter: number, n: number, tag: number, seed: number): void {
  const simd = philoxSimd(g.memory);
  const low = counter % TWO32;
  const trips = simd && low + n <= TWO32 ? Math.floor(n / COUNTERS_PER_TRIP) : 0;
  if (trips > 0) simd![kind](0, trips, low, Math.floor(counter / TWO32), 0, tag, seed, KEY1);
  const done = trips * COUNTERS_PER_TRIP;
  const next = counter + done;
  if (done < n) g[kind](16 * done, n - done, next % TWO32, Math.floor(next / TWO32), 0, tag, seed, KEY1);
}

/** Uniform [0, 1) doubles for global elements first .. first + out.length - 1. */
export function uniformRun(out: Float64Array | Float32Array, first: number, seed: number): void {
  const g = philox();
  const buf = new Float64Array(g.memory.buffer, 0, 2 * BLOCK);
  let done = 0;
  while (done < out.length) {
    const e = first + done;
    const counter = Math.floor(e / 2);
    const skip = e - 2 * counter;
    const counters = Math.min(BLOCK, Math.ceil((out.length - done + skip) / 2));
    runCounters(g, 'uniform', counter, counters, UNIFORM_TAG, seed);
    const take = Math.min(out.length - done, 2 * counters - skip);
    out.set(buf.subarray(skip, skip + take), done);
    done += take;
  }
}

// ---- the ziggurat: 256 layers of equal area V under f(x) = exp(-x²/2), the base one with the tail past R ----
const LAYERS = 256;
const R = 3.6541528853610088;
const V = 4.92867323399e-3;
const f = (x: number): number => Math.exp(-0.5 * x * x);
/** X[i]: right edge of layer i (X[0] the base layer's virtual width V/f(R)); Y[i] = f(X[i]); X[256] = 0. */
export const ZIGGURAT_X = new Float64Array(LAYERS + 1);
const Y = new Float64Array(LAYERS + 1);
ZIGGURAT_X[1] = R;
Y[1] = f(R);
ZIGGURAT_X[0] = V / Y[1];
for (let i = 1; i < LAYERS - 1; i++) {
  ZIGGURAT_X[i + 1] = Math.sqrt(-2 * Math.log(Y[i]! + V / ZIGGURAT_X[i]!));
  Y[i + 1] = f(ZIGGURAT_X[i + 1]!);
}
ZIGGURAT_X[LAYERS] = 0;
Y[LAYERS] = 1;
const X = ZIGGURAT_X;

/** Positions in a block of the draws left for slowNormal. */
const slowAt = new Int32Array(2 * BLOCK);

/** Standard normals for global elements first .. first + out.length - 1. */
export function normalRun(out: Float64Array | Float32Array, first: number, seed: number): void {
  const g = philox();
  const words = new Uint32Array(g.memory.buffer, 0, 4 * BLOCK + 4);
  let done = 0;
  while (done < out.length) {
    // Counter c serves elements 2c (words 0, 1) and 2c + 1 (words 2, 3) on the fast path.
    const e0 = first + done;
    const c0 = Math.floor(e0 / 2);
    const skip = e0 - 2 * c0;
    const counters = Math.min(BLOCK, Math.ceil((out.length - done + skip) / 2));
    runCounters(g, 'words', c0, counters, NORMAL_TAG, seed);
    const take = Math.min(out.length - done, 2 * counters - skip);
    // The rare draws that leave the rectangles are finished after the block's loop: a call inside it
    // cost the fast path half its speed (one thread: 0.20 → 0.40 GB/s). The slow stream writes past
    // the block's words, so they stay readable.
    let slow = 0;
    for (let j = 0; j < take; j++) {
      const at = 2 * (j + skip);
      const w0 = words[at]!;
      const layer = w0 & 255;
      const z = (words[at + 1]! * 2097152 + (w0 >>> 11)) * 1.1102230246251565e-16 * X[layer]!;
      if (z < X[layer + 1]!) out[done + j] = w0 & 256 ? -z : z;
      else slowAt[slow++] = j;
    }
    for (let k = 0; k < slow; k++) {
      const j = slowAt[k]!;
      const at = 2 * (j + skip);
      out[done + j] = slowNormal(words, e0 + j, seed, words[at]!, words[at + 1]!);
    }
    done += take;
  }
}

/**
 * The rare draw that left the rectangles (about 1 in 70): the wedge or tail test, then new draws, all
 * from the element's own slow stream — counters (e, 1), (e, 2), ... under another tag, four words each,
 * taken two at a time — so a rejection never shifts another element.
 */
function slowNormal(words: Uint32Array, e: number, seed: number, firstW0: number, firstW1: number): number {
  slow.stream[0] = e;
  slow.stream[1] = seed;
  slow.attempt = 0;
  slow.used = 4;
  let w0 = firstW0;
  let w1 = firstW1;
  for (;;) {
    const layer = w0 & 255;
    const negative = (w0 & 256) !== 0;
    const z = (w1 * 2097152 + (w0 >>> 11)) * 1.1102230246251565e-16 * X[layer]!;
    if (z < X[layer + 1]!) return negative ? -z : z;
    let k = nextSlowPair();
    if (layer === 0) {
      // Tail past R (Marsaglia 1964): x = -ln(u)/R, accepted when -2 ln(v) > x².
      for (;;) {
        const x = -Math.log((words[k]! + 0.5) / TWO32) / R;
        const y = -Math.log((words[k + 1]! + 0.5) / TWO32);
        if (2 * y > x * x) return negative ? -(R + x) : R + x;
        k = nextSlowPair();
      }
    }
    const u2 = (words[k]! * 2097152 + (words[k + 1]! >>> 11)) * 1.1102230246251565e-16;
    if (Y[layer]! + u2 * (Y[layer + 1]! - Y[layer]!) < f(z)) return negative ? -z : z;
    k = nextSlowPair();
    w0 = words[k]!;
    w1 = words[k + 1]!;
  }
}

/**
 * The slow stream of the draw slowNormal is finishing, in module state rather than a closure per call
 * (one draw in ~70 is slow; a closure per call cost a quarter of randn's time where functions carry
 * names, as under tsx). `stream` holds the element and the seed (doubles: neither need fit 31 bits).
 */
const slow = { stream: new Float64Array(2), attempt: 0, used: 4 };

/** The index in the module's words of the slow stream's next two words (a new counter every two pairs). */
function nextSlowPair(): number {
  if (slow.used === 4) {
    slow.attempt++;
    const e = slow.stream[0]!;
    philox().words(SCRATCH, 1, e % TWO32, Math.floor(e / TWO32), slow.attempt, NORMAL_SLOW_TAG, slow.stream[1]!, KEY1);
    slow.used = 0;
  }
  const at = SCRATCH / 4 + slow.used;
  slow.used += 2;
  return at;
}

/** Fills a chunk of `shape` at `start` in a tensor of `fullShape`, one contiguous run of flat indices at a time. */
export function fillChunk(
  out: TypedArray,
  shape: readonly number[],
  start: readonly number[],
  fullShape: readonly number[],
  run: (dst: Float64Array, first: number) => void,
): void {
  const nd = shape.length;
  if (out.length === 0) return;
  // Trailing axes the chunk spans whole merge into one run with the axis before them.
  let d = nd - 1;
  let runLen = nd === 0 ? 1 : shape[d]!;
  while (d > 0 && shape[d] === fullShape[d]) runLen *= shape[--d]!;
  const fullStrides = new Array<number>(nd).fill(1);
  for (let a = nd - 2; a >= 0; a--) fullStrides[a] = fullStrides[a + 1]! * fullShape[a + 1]!;
  const direct = out instanceof Float64Array;
  const tmp = direct ? null : new Float64Array(runLen);
  const outer = new Array<number>(Math.max(0, d)).fill(0);
  for (let pos = 0; pos < out.length; pos += runLen) {
    let first = 0;
    for (let a = 0; a < nd; a++) first += (start[a]! + (a < d ? outer[a]! : 0)) * fullStrides[a]!;
    const dst = direct ? (out as Float64Array).subarray(pos, pos + runLen) : tmp!;
    run(dst, first);
    if (!direct) out.set(tmp!, pos);
    for (let a = d - 1; a >= 0; a--) {
      if (++outer[a]! < shape[a]!) break;
      outer[a] = 0;
    }
  }
}
