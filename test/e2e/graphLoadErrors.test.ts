/**
 * Issue 9 §6, the load path's weak errors: string ids given to a graph whose ids are int64 (the
 * default) are detected and refused with the fix (`oidType: 'string'`), not garbled; an edge to an
 * undeclared vertex fails when the graph is built (inline columns) or loaded (`sess.run(g)`), never only
 * at the first app, with the id, the label and the row; `sess.run(g)` counts vertices that come from
 * the edges.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graph as gs, type GraphSummary, newSession, type Session } from '../../src/index.js';

let sess: Session;
let dir: string;
beforeAll(() => {
  sess = newSession({ mode: 'lazy', default: false });
  dir = mkdtempSync(join(tmpdir(), 'tessera-load-errors-'));
});
afterAll(async () => {
  await sess.close();
  rmSync(dir, { recursive: true, force: true });
});
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('string ids without oidType', () => {
  it('a file of unicode ids is refused with the id as written and the fix', async () => {
    const g = gs.loadFrom({ edges: file('u.csv', 'α β\nβ γ\n'), delimiter: ' ', header: false });
    const err = await sess.run(g).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; line: number },
    );
    expect(err).toMatchObject({ code: 'GraphFormat', line: 1 });
    expect(err!.message).toContain("'α'");
    expect(err!.message).not.toContain('Î');
    expect(err!.message).toContain("oidType: 'string'");
    const ok = gs.loadFrom({ edges: file('u2.csv', 'α β\nβ γ\n'), delimiter: ' ', header: false, oidType: 'string' });
    expect(((await sess.run(ok)) as GraphSummary).vertices).toEqual({ _: 3 });
  });

  it('columns of strings are refused when the graph is built, with the fix', () => {
    expect(() => gs.loadFrom({ edges: { src: ['α', 'β'], dst: ['β', 'γ'] } })).toThrow(/oidType: 'string'/);
    expect(() => gs.loadFrom({ edges: { src: ['α', 'β'], dst: ['β', 'γ'] } })).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});

describe('sess.run(g) of a graph whose vertices come from its edges', () => {
  it('counts the distinct endpoints per label, from columns and from a file', async () => {
    const g = gs.g().addEdges({ a: [1, 5, 5, 7], b: [5, 9, 1, 7] }, { src: 'a', dst: 'b' });
    expect(await sess.run(g)).toMatchObject({ vertices: { _: 4 }, edges: { _: 4 } });
    const lines = Array.from({ length: 3000 }, (_, i) => `${i % 1000} ${(i * 7) % 1500}`);
    const f = gs.loadFrom({ edges: file('many.txt', `${lines.join('\n')}\n`), delimiter: ' ', header: false });
    const distinct = new Set(lines.flatMap((l) => l.split(' '))).size;
    expect(await sess.run(f)).toMatchObject({ vertices: { _: distinct }, edges: { _: 3000 } });
  });

  it('counts each endpoint label of a two-label graph, and keeps declared counts where vertices are declared', async () => {
    const g = gs
      .g()
      .addVertices({ id: [1, 2, 3] }, { label: 'person' })
      .addEdges({ p: [1, 2, 2], c: [10, 10, 11] }, { src: 'p', dst: 'c', label: 'lives', srcLabel: 'person', dstLabel: 'city' });
    expect(await sess.run(g)).toMatchObject({ vertices: { person: 3, city: 2 }, edges: { lives: 3 } });
    const projected = g.project({ vertices: { person: [], city: [] }, edges: { lives: [] } });
    expect(await sess.run(projected)).toMatchObject({ vertices: { person: 3, city: 2 } });
  });
});

describe('an edge to an undeclared vertex', () => {
  it('fails when the graph is built, naming the id, the label and the row: dense Int32 ids and a small set of others', () => {
    const id = Int32Array.from({ length: 100 }, (_, i) => i);
    const dst = Int32Array.from({ length: 5000 }, (_, i) => i % 100);
    dst[4321] = 100;
    const build = () => gs.loadFrom({ vertices: { id }, edges: { src: dst.map((x) => (x + 1) % 100), dst }, directed: true });
    expect(build).toThrow(expect.objectContaining({ code: 'VertexNotFound', vertex: '100', label: '_', row: 4321 }));
    expect(build).toThrow(/the target of edge 4321 is not a declared vertex of '_'/);
    const sparse = () => gs.g({ oidType: 'string' }).addVertices({ id: ['a', 'b'] }, { label: 'v' }).addEdges({ s: ['a', 'zz'], d: ['b', 'a'] }, { src: 's', dst: 'd' });
    expect(sparse).toThrow(expect.objectContaining({ code: 'VertexNotFound', vertex: 'zz', label: 'v', row: 1 }));
  });

  it('finds the first Int32 endpoint just outside a run of ids, wherever the run lies in int32 and beyond', () => {
    // Runs at the bottom and top of int32, around 0, and past int32 (ids as doubles): the endpoint one
    // below the first id or one above the last, at a row of the unrolled loop or of its tail, or none.
    const runs: [number, number][] = [[-(2 ** 31), 50], [2 ** 31 - 50, 50], [-20, 40], [2 ** 32 + 5, 40]];
    for (const [first, count] of runs) {
      const ids = Float64Array.from({ length: count }, (_, i) => first + i);
      // Past int32, endpoints equal to the ids modulo 2^32: a test done in uint32 arithmetic would pass them.
      const inside = (i: number): number => (first > 2 ** 31 ? first - 2 ** 32 : first) + (i % count);
      for (const [row, bad] of [[13, first - 1], [21, first + count], [-1, 0]] as const) {
        const dst = Int32Array.from({ length: 22 }, (_, i) => inside(i));
        const src = Int32Array.from({ length: 22 }, (_, i) => inside(i + 1));
        if (row >= 0) dst[row] = bad;
        // An Int32Array wraps what it stores: one below -2^31 is 2^31 - 1, outside a run at the bottom.
        const stored = row >= 0 ? dst[row]! : 0;
        const build = () => gs.loadFrom({ vertices: { id: ids }, edges: { src, dst }, directed: true });
        // Ids past int32 are never an Int32 endpoint: the first row is already outside.
        if (first > 2 ** 31) expect(build).toThrow(expect.objectContaining({ code: 'VertexNotFound', row: 0 }));
        else if (row < 0) expect(build).not.toThrow();
        else expect(build).toThrow(expect.objectContaining({ code: 'VertexNotFound', vertex: String(stored), row }));
      }
    }
  });

  it('a fractional endpoint between dense integer ids is not a declared vertex (refused when the graph is built)', () => {
    const id = Int32Array.from({ length: 100 }, (_, i) => i);
    const src = Float64Array.from({ length: 300 }, (_, i) => i % 100);
    const dst = Float64Array.from({ length: 300 }, (_, i) => (i + 1) % 100);
    src[17] = 2.5;
    const build = () => gs.loadFrom({ vertices: { id }, edges: { src, dst }, directed: true });
    expect(build).toThrow(expect.objectContaining({ code: 'VertexNotFound', vertex: '2.5', label: '_', row: 17 }));
    expect(build).toThrow(/the source of edge 17 is not a declared vertex of '_'/);
    src[17] = 2;
    expect(() => gs.loadFrom({ vertices: { id }, edges: { src, dst }, directed: true })).not.toThrow();
  });

  it('fails when the graph is loaded (sess.run(g)) where the build cannot check: vertices from a file', async () => {
    const vertices = file('v.txt', '1\n2\n3\n');
    const g = gs.loadFrom({ vertices, edges: { src: [1, 2, 3], dst: [2, 3, 4] }, header: false });
    await expect(sess.run(g)).rejects.toMatchObject({ code: 'VertexNotFound', message: expect.stringMatching(/vertex 4 is not in the graph \(the target of edge 2 of '_'/) });
    const ok = gs.loadFrom({ vertices, edges: { src: [1, 2], dst: [2, 3] }, header: false });
    expect(await sess.run(ok)).toMatchObject({ vertices: { _: 3 }, edges: { _: 2 } });
  });

  it('fails when the graph is loaded for many arcs between non-contiguous ids, and from an edge file', async () => {
    const id = Float64Array.from({ length: 1000 }, (_, i) => 10 * i);
    const src = Float64Array.from({ length: 70_000 }, (_, i) => 10 * (i % 1000));
    const dst = src.map((x, i) => (i === 69_999 ? 5 : x));
    const g = gs.loadFrom({ vertices: { id }, edges: { src, dst } });
    await expect(sess.run(g)).rejects.toMatchObject({ code: 'VertexNotFound', message: expect.stringMatching(/vertex 5 is not in the graph \(the target of edge 69999/) });
    const f = gs.loadFrom({ vertices: { id: [1, 2] }, edges: file('e.txt', '1 2\n2 7\n'), delimiter: ' ', header: false });
    await expect(sess.run(f)).rejects.toMatchObject({ code: 'VertexNotFound', message: expect.stringMatching(/vertex 7 is not in the graph \(the target of edge 1/) });
  });
});
