/**
 * Seeded, deterministic generators for the peer benchmark workloads, with the parameters of
 * `shared/peers/gen_graphs.py`: Graph500 R-MAT (A,B,C = .57,.19,.19, edge factor 16, vertex ids randomly
 * permuted) and a 2D grid "road" graph (4-neighbour segments, 10% dropped, both arcs stored, equal
 * weights). Self-loops and duplicate arcs are removed, weights are uniform in (0, 1], the arc order is
 * shuffled, and the source is the vertex of largest out-degree (lowest id on ties). The random stream
 * is the engine's own (RandomStream: xoshiro128**), so the graphs are statistically the peers' graphs,
 * not byte-identical.
 * Graphs are cached in bench/data/ in the peers' binary format (`PEERGRF1`), which scipy also reads.
 * The seconds it prints are how long making a workload took, not a figure of the engine: the engine's
 * graph figures, through the public API with results fetched, are bench/graph/ready.ts's.
 *
 *   npx tsx bench/graph/generate.ts [--force] [g1-rmat-s16 g2-grid-256 g1-rmat-s20 g2-grid-1024]
 *
 * It makes inputs and times nothing: the one engine internal it imports is the random stream it draws
 * the graphs from (changing it would change every cached graph and every figure measured on them).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RandomStream } from '../../src/kernels/tensor/random.js';
import { BENCH_DIR } from '../harness.js';

export interface PeerGraph {
  readonly name: string;
  readonly n: number;
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly weights: Float64Array;
  readonly source: number;
  readonly symmetric: boolean;
}

type Spec =
  | { readonly kind: 'rmat'; readonly scale: number; readonly edgeFactor: number; readonly seed: number }
  | { readonly kind: 'grid'; readonly side: number; readonly drop: number; readonly seed: number };

export const GRAPHS: Readonly<Record<string, Spec>> = {
  'g1-rmat-s16': { kind: 'rmat', scale: 16, edgeFactor: 16, seed: 16001 },
  'g2-grid-256': { kind: 'grid', side: 256, drop: 0.1, seed: 16002 },
  'g1-rmat-s20': { kind: 'rmat', scale: 20, edgeFactor: 16, seed: 20001 },
  'g2-grid-1024': { kind: 'grid', side: 1024, drop: 0.1, seed: 20002 },
};

export const DATA_DIR = join(BENCH_DIR, 'data');
const MAGIC = 'PEERGRF1';
const HEADER_BYTES = 64;

/** The engine's seeded stream (xoshiro128** through splitmix32) with the draws the generators need. */
class Random {
  readonly #stream: RandomStream;

  constructor(seed: number) {
    this.#stream = new RandomStream(seed, 0);
  }

  /** Uniform in [0, 1) with 32 random bits (enough for the R-MAT quadrant choices). */
  unit32(): number {
    return this.#stream.nextUint32() / 4294967296;
  }

  /** Uniform in [0, 1) with 53 random bits, like numpy's `random()`. */
  unit53(): number {
    return this.#stream.nextDouble();
  }

  /** In-place Fisher-Yates shuffle of a permutation. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.unit53() * (i + 1));
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

function rmat(name: string, scale: number, edgeFactor: number, seed: number): PeerGraph {
  const rng = new Random(seed);
  const n = 2 ** scale;
  const m = edgeFactor * n;
  const [a, b, c] = [0.57, 0.19, 0.19];
  const ab = a + b;
  const cNorm = c / (1 - ab);
  const aNorm = a / ab;
  const perm = rng.permutation(n);
  // Drop self-loops and duplicate (src, dst) pairs: sort the keys src*n+dst, keep one of each.
  const keys = new Float64Array(m);
  let kept = 0;
  for (let e = 0; e < m; e++) {
    let s = 0;
    let d = 0;
    for (let bit = 0; bit < scale; bit++) {
      const down = rng.unit32() > ab;
      const right = rng.unit32() > (down ? cNorm : aNorm);
      s |= (down ? 1 : 0) << bit;
      d |= (right ? 1 : 0) << bit;
    }
    s = perm[s]!;
    d = perm[d]!;
    if (s !== d) keys[kept++] = s * n + d;
  }
  const sorted = keys.subarray(0, kept).sort();
  let unique = 0;
  for (let i = 0; i < kept; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[unique++] = sorted[i]!;
  const order = rng.permutation(unique);
  const src = new Int32Array(unique);
  const dst = new Int32Array(unique);
  const weights = new Float64Array(unique);
  for (let i = 0; i < unique; i++) {
    const key = sorted[order[i]!]!;
    src[i] = Math.floor(key / n);
    dst[i] = key % n;
    weights[i] = 1 - rng.unit53();
  }
  return { name, n, src, dst, weights, source: maxOutDegreeVertex(n, src), symmetric: false };
}

function grid(name: string, side: number, drop: number, seed: number): PeerGraph {
  const rng = new Random(seed);
  const n = side * side;
  const us: number[] = [];
  const vs: number[] = [];
  for (let r = 0; r < side; r++) for (let c = 0; c + 1 < side; c++) (us.push(r * side + c), vs.push(r * side + c + 1));
  for (let r = 0; r + 1 < side; r++) for (let c = 0; c < side; c++) (us.push(r * side + c), vs.push((r + 1) * side + c));
  const keptU: number[] = [];
  const keptV: number[] = [];
  const keptW: number[] = [];
  for (let i = 0; i < us.length; i++) {
    if (rng.unit53() < drop) continue;
    keptU.push(us[i]!);
    keptV.push(vs[i]!);
    keptW.push(1 - rng.unit53());
  }
  const segments = keptU.length;
  const order = rng.permutation(2 * segments);
  const src = new Int32Array(2 * segments);
  const dst = new Int32Array(2 * segments);
  const weights = new Float64Array(2 * segments);
  for (let i = 0; i < 2 * segments; i++) {
    const k = order[i]!;
    const seg = k % segments;
    const forward = k < segments;
    src[i] = forward ? keptU[seg]! : keptV[seg]!;
    dst[i] = forward ? keptV[seg]! : keptU[seg]!;
    weights[i] = keptW[seg]!;
  }
  return { name, n, src, dst, weights, source: maxOutDegreeVertex(n, src), symmetric: true };
}

function maxOutDegreeVertex(n: number, src: Int32Array): number {
  const deg = new Int32Array(n);
  for (let i = 0; i < src.length; i++) deg[src[i]!]!++;
  let best = 0;
  for (let v = 1; v < n; v++) if (deg[v]! > deg[best]!) best = v;
  return best;
}

export function generate(name: string): PeerGraph {
  const spec = GRAPHS[name];
  if (!spec) throw new Error(`unknown graph ${name}; known: ${Object.keys(GRAPHS).join(', ')}`);
  return spec.kind === 'rmat'
    ? rmat(name, spec.scale, spec.edgeFactor, spec.seed)
    : grid(name, spec.side, spec.drop, spec.seed);
}

export function writePeerBin(path: string, g: PeerGraph): void {
  const m = g.src.length;
  const buf = Buffer.alloc(HEADER_BYTES + 16 * m);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeBigUInt64LE(BigInt(g.n), 8);
  buf.writeBigUInt64LE(BigInt(m), 16);
  buf.writeBigInt64LE(BigInt(g.source), 24);
  buf.writeUInt32LE(g.symmetric ? 1 : 0, 32);
  buf.writeUInt32LE(1, 36);
  Buffer.from(g.src.buffer, g.src.byteOffset, 4 * m).copy(buf, HEADER_BYTES);
  Buffer.from(g.dst.buffer, g.dst.byteOffset, 4 * m).copy(buf, HEADER_BYTES + 4 * m);
  Buffer.from(g.weights.buffer, g.weights.byteOffset, 8 * m).copy(buf, HEADER_BYTES + 8 * m);
  writeFileSync(path, buf);
}

export function readPeerBin(path: string, name: string): PeerGraph {
  const file = readFileSync(path);
  if (file.toString('latin1', 0, 8) !== MAGIC) throw new Error(`${path} is not a PEERGRF1 file`);
  const n = Number(file.readBigUInt64LE(8));
  const m = Number(file.readBigUInt64LE(16));
  const source = Number(file.readBigInt64LE(24));
  const symmetric = (file.readUInt32LE(32) & 1) === 1;
  // Views straight onto the file's bytes when they are 8-byte aligned (large reads are), else a copy.
  const bytes =
    file.byteOffset % 8 === 0 ? new Uint8Array(file.buffer, file.byteOffset, file.length) : new Uint8Array(file).slice();
  return {
    name,
    n,
    src: new Int32Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, m),
    dst: new Int32Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES + 4 * m, m),
    weights: new Float64Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES + 8 * m, m),
    source,
    symmetric,
  };
}

/** The graph from bench/data/<name>.bin, generating and caching it first when missing. */
export function loadOrGenerate(name: string, force = false): { graph: PeerGraph; path: string } {
  const path = join(DATA_DIR, `${name}.bin`);
  if (!force && existsSync(path)) return { graph: readPeerBin(path, name), path };
  mkdirSync(DATA_DIR, { recursive: true });
  const graph = generate(name);
  writePeerBin(path, graph);
  return { graph, path };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const names = args.filter((a) => !a.startsWith('--'));
  for (const name of names.length > 0 ? names : Object.keys(GRAPHS)) {
    const t0 = performance.now();
    const { graph } = loadOrGenerate(name, force);
    const s = ((performance.now() - t0) / 1000).toFixed(2);
    console.log(`[gen] ${name}: ${graph.n} vertices, ${graph.src.length} arcs, source ${graph.source}, ${s} s`);
  }
}
