/**
 * Edge files for the property tests of the projection's id mapping: lines of ids of one style, cut into
 * parts and parsed as the workers parse a file's byte ranges; and a driver run with its ranges reversed.
 */
import fc from 'fast-check';
import { parseEdgeLines } from '../../../src/graph/edgeLines.js';
import type { IdColumn, VertexId } from '../../../src/graph/idColumns.js';
import { type Driver, lookupStep, type StepTable } from '../../../src/graph/parallel.js';

/** Runs a driver here, each request's ranges in reverse order (a gang claims them in any order). */
export function runReversed<R>(driver: Driver<R>, table: StepTable): { value: R; requests: string[] } {
  const requests: string[] = [];
  let next = driver.next();
  while (!next.done) {
    const request = next.value;
    requests.push(request.step);
    const step = lookupStep(table, request.step);
    const results = new Array(request.ranges.length);
    for (let i = request.ranges.length - 1; i >= 0; i--) results[i] = step(request.args, request.ranges[i]![0], request.ranges[i]![1]);
    next = driver.next(results);
  }
  return { value: next.value, requests };
}

export type Style = 'dense' | 'holes' | 'offset' | 'gappy' | 'sparse' | 'huge' | 'string';

export interface Case {
  readonly style: Style;
  readonly n: number;
  readonly arcs: number;
  readonly seed: number;
  /** The vertices are declared (a vertex file), else they are the edges' endpoints. */
  readonly declared: boolean;
  /** An endpoint (edge index, end) replaced by an id that is not declared: beyond the others, or between them when `inside`. */
  readonly unseen: { readonly edge: number; readonly end: 'src' | 'dst'; readonly inside: boolean } | undefined;
  /** Where the file is cut into parts (fractions of its lines). */
  readonly cuts: readonly number[];
  readonly gang: number;
}

export const caseArb: fc.Arbitrary<Case> = fc.record({
  style: fc.constantFrom<Style>('dense', 'holes', 'offset', 'gappy', 'sparse', 'huge', 'string'),
  n: fc.integer({ min: 1, max: 300 }),
  arcs: fc.integer({ min: 0, max: 600 }),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
  declared: fc.boolean(),
  unseen: fc.option(fc.record({ edge: fc.nat(), end: fc.constantFrom<'src' | 'dst'>('src', 'dst'), inside: fc.boolean() }), { nil: undefined }),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 }),
  gang: fc.integer({ min: 2, max: 5 }),
});

/** Vertex i's id in the file's text. */
export function idOf(style: Style, i: number, seed: number): string {
  switch (style) {
    case 'dense':
      return String(i);
    case 'holes':
      return String(2 + i + (i >> 2));
    case 'offset':
      return String(i - 40);
    case 'gappy':
      return String(3 * i + (seed % 3) - 60);
    case 'sparse':
      return String(i * 7_919_000_013 - 2 ** 40);
    case 'huge':
      return (BigInt(i) * 3_000_000_000_000_000n - 2n ** 62n).toString();
    case 'string':
      return `v${(i * 7) % 1000}-${i}`;
  }
}

/** An id between the ids of a style (in a gap), where it has gaps. */
function idBetween(style: Style, seed: number): string | undefined {
  switch (style) {
    case 'holes':
      return '1';
    case 'gappy':
      return String((seed % 3) - 59);
    case 'sparse':
      return String(1 - 2 ** 40);
    case 'string':
      return 'v-unseen';
    default:
      return undefined;
  }
}

/** The file's lines, cut into parts and parsed as the workers parse a file's byte ranges. */
export function parts(c: Case): { src: IdColumn[]; dst: IdColumn[]; weights: Float64Array[]; vertices: VertexId[] } {
  let x = c.seed;
  const rand = (k: number) => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x % k;
  };
  const ids = Array.from({ length: c.n }, (_, i) => idOf(c.style, i, c.seed));
  const lines: string[] = [];
  for (let e = 0; e < c.arcs; e++) {
    // A few hubs repeat ids in every part.
    const s = rand(4) === 0 ? ids[rand(Math.min(3, c.n))]! : ids[rand(c.n)]!;
    const d = ids[rand(c.n)]!;
    lines.push(`${s} ${d} ${rand(10)}`);
  }
  if (c.unseen && c.arcs > 0) {
    const e = c.unseen.edge % c.arcs;
    const [s, d, w] = lines[e]!.split(' ');
    const absent = c.unseen.inside ? idBetween(c.style, c.seed) ?? idOf(c.style, c.n + 1, c.seed) : idOf(c.style, c.n + 1, c.seed);
    lines[e] = c.unseen.end === 'src' ? `${absent} ${d} ${w}` : `${s} ${absent} ${w}`;
  }
  const bounds = [0, ...c.cuts.map((f) => Math.floor(f * lines.length)).sort((a, b) => a - b), lines.length];
  const src: IdColumn[] = [];
  const dst: IdColumn[] = [];
  const weights: Float64Array[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const text = lines.slice(bounds[k], bounds[k + 1]).join('\n');
    const bytes = new Uint8Array(new SharedArrayBuffer(Buffer.byteLength(text)));
    bytes.set(Buffer.from(text));
    const options = { file: 'edges.txt', delimiter: ' ', header: false, src: 0, dst: 1, weight: 2, idType: c.style === 'string' ? ('string' as const) : ('int' as const) };
    const part = parseEdgeLines(bytes, options);
    src.push(part.src);
    dst.push(part.dst);
    weights.push(part.weights!);
  }
  const vertices = ids.map((t): VertexId => (c.style === 'string' ? t : c.style === 'huge' ? BigInt(t) : Number(t)));
  return { src, dst, weights, vertices };
}

