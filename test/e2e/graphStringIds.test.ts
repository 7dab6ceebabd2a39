/**
 * String ids big enough to be dictionary-encoded by tasks of their own (edge columns of 64K rows and
 * more) give, per original id, the results of the same graph with integer ids and of the span path (the
 * graph as a file of string ids), on both executors. Ids mix 1- to 4-byte UTF-8 code points, so code
 * point order (the order WCC's smallest-id labels follow) differs from UTF-16 order.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graph as gs, type Graph, type NdArray, newSession, type Session } from '../../src/index.js';

const N = 3000;
const ARCS = 70_000;

/**
 * A seeded graph: arcs (with repeats and self-loops) between N vertices, weights 1..9, and an arc out of
 * every vertex (so a file of the arcs names every vertex, and PageRank sees the same vertex count).
 */
function edges(): { src: Int32Array; dst: Int32Array; weight: Float64Array } {
  let x = 12345;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const src = new Int32Array(ARCS + N);
  const dst = new Int32Array(ARCS + N);
  const weight = new Float64Array(ARCS + N);
  for (let v = 0; v < N; v++) {
    src[ARCS + v] = v;
    dst[ARCS + v] = (v * 31 + 7) % (N / 2);
    weight[ARCS + v] = 5;
  }
  for (let e = 0; e < ARCS; e++) {
    // A skewed source (low numbers are hubs) and targets in the lower half: some vertices are never
    // targets (their column's dictionary is not the vertices', so its codes are mapped), some unreached.
    src[e] = Math.floor(N * next() ** 2);
    dst[e] = Math.floor((N / 2) * next());
    weight[e] = 1 + Math.floor(9 * next());
  }
  return { src, dst, weight };
}

const PREFIXES = ['a', 'é', '\uffef', '\u{1f600}', 'zz', 'A-long-prefix-'];
const name = (v: number): string => `${PREFIXES[v % PREFIXES.length]}${v}`;
const byCodePoint = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

type Results = Map<string, [number, number, string, number]>;

/** SSSP and BFS from `source`, WCC labels, PageRank, keyed by the id as text. */
async function results(sess: Session, g: Graph, source: number | string): Promise<Results> {
  const apps = [gs.sssp(g, source), gs.bfs(g, source), gs.wcc(g), gs.pagerank(g, { maxRound: 5 })];
  const out = (await sess.run(apps.flatMap((c) => [c.toArray('v.id'), c.toArray('r')]))) as (NdArray | string[])[];
  const values = (a: NdArray | string[]) => (Array.isArray(a) ? a : [...a.data]);
  const rows: Results = new Map();
  const ids = values(out[0]!).map(String);
  const columns = [1, 3, 5, 7].map((k) => values(out[k]!));
  ids.forEach((id, i) => rows.set(id, [Number(columns[0]![i]), Number(columns[1]![i]), String(columns[2]![i]), Number(columns[3]![i])]));
  for (let a = 1; a < apps.length; a++) expect(values(out[2 * a]!).map(String)).toEqual(ids);
  return rows;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-strings-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(['local', 'threads'] as const)('string ids encoded by tasks, on the %s executor', (executor) => {
  let sess: Session;
  beforeAll(() => {
    sess = newSession({ mode: 'lazy', executor, ...(executor === 'threads' ? { workers: 2 } : {}), default: false });
  });
  afterAll(async () => sess.close());

  it('agree per original id with integer ids and with the span path, WCC labelling by code point', async () => {
    const { src, dst, weight } = edges();
    const numbers = await results(sess, gs.loadFrom({ vertices: { id: Int32Array.from({ length: N }, (_, v) => v) }, edges: { src, dst, weight }, directed: true }), 0);
    const vertices = Array.from({ length: N }, (_, v) => name((v * 7) % N));
    const coded = gs.loadFrom({
      vertices: { id: vertices },
      edges: { src: Array.from(src, name), dst: Array.from(dst, name), weight },
      directed: true,
      oidType: 'string',
    });
    const strings = await results(sess, coded, name(0));
    const file = join(dir, `${executor}.txt`);
    writeFileSync(file, Array.from(src, (s, e) => `${name(s)} ${name(dst[e]!)} ${weight[e]}\n`).join(''));
    const spanned = await results(sess, gs.loadFrom({ edges: file, delimiter: ' ', header: false, edgeProperties: [2], directed: true, oidType: 'string' }), name(0));

    expect([...strings.keys()]).toEqual(vertices.slice().sort(byCodePoint));
    expect(spanned).toEqual(strings);
    const members = new Map<string, string[]>();
    for (const [id, [, , label]] of strings) members.set(label, [...(members.get(label) ?? []), id]);
    for (const [label, ids] of members) expect(label).toBe(ids.sort(byCodePoint)[0]);
    for (let v = 0; v < N; v++) {
      const [d, b, label, p] = strings.get(name(v))!;
      const [nd, nb, nlabel, np] = numbers.get(String(v))!;
      expect([d, b]).toEqual([nd, nb]);
      // PageRank sums in internal id order, which string ids permute: equal to rounding.
      expect(p).toBeCloseTo(np, 12);
      // Same components: the string label's vertex is in the integer component of v.
      expect(numbers.get(String(members.get(label)![0]!.replace(/^\D+/u, '')))![2]).toBe(nlabel);
    }
  }, 120_000);
});
