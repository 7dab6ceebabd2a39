/**
 * Parsing an edge file by byte ranges (kernels/graph/parseRange.ts, run in parallel on the pool) gives
 * exactly the edges of the sequential parser over the whole file, whatever the number of ranges: lines
 * cut at range boundaries, CRLF and LF, comment and blank lines, a header or not, a last line with or
 * without its newline, fields after the weight (quoted too), ids beyond int32 (the careful path) and
 * decimal weights of any length.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDelimitedEdges } from '../../../src/graph/delimited.js';
import type { IdColumn } from '../../../src/graph/idColumns.js';
import { getKernel } from '../../../src/kernels/registry.js';
import '../../../src/kernels/graph/index.js';
import type { EdgePart, ParseRangeParams } from '../../../src/kernels/graph/parseRange.js';
import { unionPresentIds } from '../../../src/graph/presentIds.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-ranges-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = (c: IdColumn): (number | bigint | string)[] =>
  c.kind === 'string' ? Array.from(c.values.starts, (s, i) => new TextDecoder().decode(c.values.bytes.subarray(s, c.values.ends[i]!))) : Array.from(c.values as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? x : Number(x)));

const distinct = (xs: readonly (number | bigint | string)[]): number[] => [...new Set(xs.map(Number))].sort((a, b) => a - b);

const weightText = fc.oneof(
  fc.integer({ min: 0, max: 1000 }).map(String),
  fc.double({ min: 0, max: 1, noNaN: true }).map(String),
  fc.double({ min: 1e-9, max: 1e9, noNaN: true }).map((x) => x.toExponential(3)),
);
const idText = (big: boolean) => (big ? fc.oneof(fc.nat(50).map(String), fc.constant('3000000000'), fc.constant('-7')) : fc.nat(50).map(String));

const files = fc.record({
  delimiter: fc.constantFrom(',', ' ', '\t'),
  crlf: fc.boolean(),
  header: fc.boolean(),
  trailing: fc.boolean(),
  big: fc.boolean(),
  parts: fc.integer({ min: 1, max: 9 }),
}).chain((o) =>
  fc.record({
    o: fc.constant(o),
    lines: fc.array(
      fc.oneof(
        {
          weight: 8,
          arbitrary: fc
            .tuple(idText(o.big), idText(o.big), weightText, fc.constantFrom([], ['x'], ['"a b"'], ['7', '']))
            .map(([s, d, w, extra]) => [s, d, w, ...extra].join(o.delimiter)),
        },
        { weight: 1, arbitrary: fc.constant('# a comment') },
        { weight: 1, arbitrary: fc.constant('') },
      ),
      { maxLength: 40 },
    ),
  }),
);

describe('byte-range parsing of edge files', () => {
  it('equals the sequential parse for any number of ranges', () => {
    const parse = getKernel('graph.parse_edges');
    let n = 0;
    fc.assert(
      fc.property(files, ({ o, lines }) => {
        const eol = o.crlf ? '\r\n' : '\n';
        const body = [...(o.header ? [['s', 'd', 'w'].join(o.delimiter)] : []), ...lines].join(eol);
        const text = body + (o.trailing && body.length > 0 ? eol : '');
        const path = join(dir, `f${n++}.txt`);
        writeFileSync(path, text);
        const bytes = new TextEncoder().encode(text);
        const whole = parseDelimitedEdges(bytes, { file: path, delimiter: o.delimiter, header: o.header, idType: 'int', comment: '#', src: 0, dst: 1, weight: 2 });
        const source = { kind: 'file' as const, file: { path, size: statSync(path).size, mtimeMs: 0 }, delimiter: o.delimiter, header: o.header, comment: '#' };
        const parts = Array.from({ length: o.parts }, (_, part) => parse([], { source, src: 0, dst: 1, weight: 2, idType: 'int', part, parts: o.parts } satisfies ParseRangeParams as never) as EdgePart);
        expect(parts.flatMap((p) => ids(p.src))).toEqual(ids(whole.src));
        expect(parts.flatMap((p) => ids(p.dst))).toEqual(ids(whole.dst));
        expect(parts.flatMap((p) => [...p.weights!])).toEqual([...whole.weights!]);
        for (const p of parts) expect((p.src.values as Float64Array).buffer).toBeInstanceOf(SharedArrayBuffer);
        // The ids each int32 part marked are its distinct endpoints, and their union the file's, sorted.
        const marked = parts.filter((p) => p.present);
        for (const p of marked) expect([...unionPresentIds([p.present!], 2 * ids(p.src).length)!]).toEqual(distinct([...ids(p.src), ...ids(p.dst)]));
        if (marked.length === parts.filter((p) => ids(p.src).length > 0).length && marked.length > 0) {
          const union = unionPresentIds(marked.map((p) => p.present!), 2 * ids(whole.src).length);
          expect([...union!]).toEqual(distinct([...ids(whole.src), ...ids(whole.dst)]));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reports a bad line with its line number in the whole file, from any range', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `${i} ${i + 1} 0.5`);
    lines[150] = '150 x 0.5';
    const path = join(dir, 'bad.txt');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const source = { kind: 'file' as const, file: { path, size: statSync(path).size, mtimeMs: 0 }, delimiter: ' ', header: false };
    const parse = getKernel('graph.parse_edges');
    const run = () => Array.from({ length: 4 }, (_, part) => parse([], { source, src: 0, dst: 1, weight: 2, idType: 'int', part, parts: 4 } satisfies ParseRangeParams as never));
    expect(run).toThrow(expect.objectContaining({ code: 'GraphFormat', line: 151 }));
  });
});

describe('byte-range parsing of the shortest records', () => {
  it('owns each line once when the file has fewer bytes than ranges (ranges ending at byte 0 are empty)', () => {
    const parse = getKernel('graph.parse_edges');
    for (const text of ['0\t1\t2', '0\t1\t2\r\n', '3\t4\t5\n6\t7\t8']) {
      const path = join(dir, 'tiny.txt');
      writeFileSync(path, text);
      const source = { kind: 'file' as const, file: { path, size: statSync(path).size, mtimeMs: 0 }, delimiter: '\t', header: false };
      const lines = text.split('\n').filter((l) => l.length > 0);
      for (const parts of [1, 2, 8, 16]) {
        const got = Array.from({ length: parts }, (_, part) => parse([], { source, src: 0, dst: 1, weight: 2, idType: 'int', part, parts } satisfies ParseRangeParams as never) as EdgePart);
        expect(got.flatMap((p) => ids(p.src))).toEqual(lines.map((l) => Number(l.split('\t')[0])));
        expect(got.flatMap((p) => [...p.weights!])).toEqual(lines.map((l) => Number(l.split('\t')[2])));
      }
    }
  });

  it('keeps every record when skipped fields are empty (the record-count bound holds)', () => {
    const parse = getKernel('graph.parse_edges');
    const path = join(dir, 'short.txt');
    const lines = Array.from({ length: 20 }, (_, i) => `,${i % 10},${(i + 1) % 10}`);
    writeFileSync(path, lines.join('\n'));
    const source = { kind: 'file' as const, file: { path, size: statSync(path).size, mtimeMs: 0 }, delimiter: ',', header: false };
    const part = parse([], { source, src: 1, dst: 2, idType: 'int', part: 0, parts: 1 } satisfies ParseRangeParams as never) as EdgePart;
    expect(ids(part.src)).toEqual(lines.map((_, i) => i % 10));
    expect(ids(part.dst)).toEqual(lines.map((_, i) => (i + 1) % 10));
  });
});
