/**
 * The endpoints of an edge file's parts mapped to internal ids on the gang (graph/parallelIds.ts) are
 * the ones mapped on one thread, array for array, whatever the ids (dense, offset, gappy, sparse beyond
 * int32, beyond 2^53, strings), the parts (parsed from text as the workers parse a file's byte ranges,
 * some empty), the gang's size and the order its ranges run in (here: reversed); an endpoint that is not
 * a declared vertex is the same error, naming the same first edge.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEdgeLines } from '../../../src/graph/edgeLines.js';
import { type IdColumn, idColumn, type VertexId } from '../../../src/graph/idColumns.js';
import { IdMap } from '../../../src/graph/idmap.js';
import { type Driver, lookupStep, type StepTable } from '../../../src/graph/parallel.js';
import { endpointIds, endpointIdsDriver } from '../../../src/graph/parallelIds.js';
import { isShared } from '../../../src/graph/shared.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';

/** Runs a driver here, each request's ranges in reverse order (a gang claims them in any order). */
function runReversed<R>(driver: Driver<R>, table: StepTable): { value: R; requests: string[] } {
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

type Style = 'dense' | 'offset' | 'gappy' | 'sparse' | 'huge' | 'string';

interface Case {
  readonly style: Style;
  readonly n: number;
  readonly arcs: number;
  readonly seed: number;
  /** The vertices are declared (a vertex file), else they are the edges' endpoints. */
  readonly declared: boolean;
  /** An endpoint (edge index, end) replaced by an id that is not declared. */
  readonly unseen: { readonly edge: number; readonly end: 'src' | 'dst' } | undefined;
  /** Where the file is cut into parts (fractions of its lines). */
  readonly cuts: readonly number[];
  readonly gang: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  style: fc.constantFrom<Style>('dense', 'offset', 'gappy', 'sparse', 'huge', 'string'),
  n: fc.integer({ min: 1, max: 300 }),
  arcs: fc.integer({ min: 0, max: 600 }),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
  declared: fc.boolean(),
  unseen: fc.option(fc.record({ edge: fc.nat(), end: fc.constantFrom<'src' | 'dst'>('src', 'dst') }), { nil: undefined }),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 }),
  gang: fc.integer({ min: 2, max: 5 }),
});

/** Vertex i's id in the file's text. */
function idOf(style: Style, i: number, seed: number): string {
  switch (style) {
    case 'dense':
      return String(i);
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

/** The file's lines, cut into parts and parsed as the workers parse a file's byte ranges. */
function parts(c: Case): { src: IdColumn[]; dst: IdColumn[]; vertices: VertexId[] } {
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
    const absent = idOf(c.style, c.n + 1, c.seed);
    lines[e] = c.unseen.end === 'src' ? `${absent} ${d} ${w}` : `${s} ${absent} ${w}`;
  }
  const bounds = [0, ...c.cuts.map((f) => Math.floor(f * lines.length)).sort((a, b) => a - b), lines.length];
  const src: IdColumn[] = [];
  const dst: IdColumn[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const text = lines.slice(bounds[k], bounds[k + 1]).join('\n');
    const bytes = new Uint8Array(new SharedArrayBuffer(Buffer.byteLength(text)));
    bytes.set(Buffer.from(text));
    const options = { file: 'edges.txt', delimiter: ' ', header: false, src: 0, dst: 1, weight: 2, idType: c.style === 'string' ? ('string' as const) : ('int' as const) };
    const part = parseEdgeLines(bytes, options);
    src.push(part.src);
    dst.push(part.dst);
  }
  const vertices = ids.map((t): VertexId => (c.style === 'string' ? t : c.style === 'huge' ? BigInt(t) : Number(t)));
  return { src, dst, vertices };
}

const labels = { edgeLabel: 'e', vertexLabel: 'v' };

/** The serial mapping's ids, or the error it raises. */
function serial(map: IdMap, src: readonly IdColumn[], dst: readonly IdColumn[]): { src: number[]; dst: number[] } | Error {
  try {
    return { src: [...endpointIds(map, src, labels, 'the source', true)], dst: [...endpointIds(map, dst, labels, 'the target', true)] };
  } catch (e) {
    return e as Error;
  }
}

describe('endpointIdsDriver', () => {
  it('maps a file’s parts on the gang exactly as on one thread, and fails the same way', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { src, dst, vertices } = parts(c);
        const map = c.declared ? IdMap.fromIds(idColumn(vertices)) : IdMap.fromEdges(...src, ...dst);
        const expected = serial(map, src, dst);
        if (expected instanceof Error) {
          expect(c.declared && c.unseen && c.arcs > 0).toBeTruthy();
          expect(() => runReversed(endpointIdsDriver(map, src, dst, labels, { parts: c.gang, fromIds: 0 }), GRAPH_STEPS)).toThrow(
            expect.objectContaining({ name: expected.name, message: expected.message }),
          );
          return;
        }
        const { value, requests } = runReversed(endpointIdsDriver(map, src, dst, labels, { parts: c.gang, fromIds: 0 }), GRAPH_STEPS);
        expect({ src: [...value.src], dst: [...value.dst] }).toEqual(expected);
        // Int32 ids 0..n-1 are the internal ids already (no pass at all); 'huge' files mix number and
        // bigint parts, which the serial path converts; every other file is mapped on the gang.
        const onGang = !map.isIdentity() && c.style !== 'huge' && c.arcs > 0;
        if (onGang) expect(requests).toEqual(['ids.map']);
        if (map.isIdentity()) expect(requests).toEqual([]);
        if (onGang) for (const a of [value.src, value.dst]) expect(isShared(a)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('maps on one thread below the threshold and for a gang of one', () => {
    const c: Case = { style: 'gappy', n: 50, arcs: 200, seed: 5, declared: false, unseen: undefined, cuts: [0.3, 0.6], gang: 2 };
    const { src, dst } = parts(c);
    const map = IdMap.fromEdges(...src, ...dst);
    for (const [gang, fromIds] of [[2, 401], [1, 0]] as const) {
      const { value, requests } = runReversed(endpointIdsDriver(map, src, dst, labels, { parts: gang, fromIds }), GRAPH_STEPS);
      expect(requests).toEqual([]);
      expect({ src: [...value.src], dst: [...value.dst] }).toEqual(serial(map, src, dst));
    }
  });

  it('names the first undeclared endpoint in column order, sources before targets, whichever range finds one', () => {
    const c: Case = { style: 'sparse', n: 40, arcs: 300, seed: 9, declared: true, unseen: { edge: 250, end: 'src' }, cuts: [0.5], gang: 4 };
    const { src, dst, vertices } = parts(c);
    const absent = Number(idOf('sparse', 41, 9));
    // A second undeclared id, among the targets of an earlier edge: the sources are reported first.
    (dst[0]!.values as Float64Array)[10] = absent;
    const map = IdMap.fromIds(idColumn(vertices));
    expect(() => runReversed(endpointIdsDriver(map, src, dst, labels, { parts: 4, fromIds: 0 }), GRAPH_STEPS)).toThrow(
      expect.objectContaining({ code: 'VertexNotFound', message: expect.stringContaining(`vertex ${absent} is not in the graph (the source of edge 250 of 'e' is not a declared vertex of 'v')`) }),
    );
  });
});
