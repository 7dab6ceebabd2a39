import { describe, expect, it } from 'vitest';
import { errorFromData, errorToData } from '../../../src/base/errors.js';
import { parseDelimitedEdges, parseDelimitedVertices } from '../../../src/graph/delimited.js';
import { GraphFormatError, MissingColumnError, VertexNotFoundError } from '../../../src/graph/errors.js';
import { type IdColumn, idValues } from '../../../src/graph/idColumns.js';
import { loadLdbc, parseLdbcEdges, parseLdbcVertices, readLdbcSpec } from '../../../src/graph/ldbc.js';
import { parseProperties } from '../../../src/graph/properties.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

const values = (c: IdColumn): (number | bigint | string)[] => idValues(c);

/** The error thrown by `fn`, checked to be of `cls`. */
function thrown<T extends Error>(fn: () => unknown, cls: new (...args: never[]) => T): T {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as T;
  }
  throw new Error('expected an error');
}

const PROPERTIES = `# a comment
! another comment
graph.g.vertex-file = g.v
graph.g.edge-file : g.e
graph.g.directed=true
graph.g.edge-properties.names = weight
graph.g.edge-properties.types = real
graph.g.algorithms = bfs, \\
    pr,sssp
graph.g.bfs.source-vertex = 9007199254740993
graph.g.pr.damping-factor = 0.85
graph.g.pr.num-iterations = 3
graph.g.sssp.weight-property = weight
graph.g.sssp.source-vertex = 1
graph.g.escaped\\ key = tab\\there \\u0041
`;

describe('Java properties and LDBC graph descriptions', () => {
  it('reads comments, separators, continuations and escapes', () => {
    const p = parseProperties(PROPERTIES);
    expect(p.get('graph.g.edge-file')?.value).toBe('g.e');
    expect(p.get('graph.g.algorithms')).toEqual({ value: 'bfs, pr,sssp', line: 8 });
    expect(p.get('graph.g.escaped key')?.value).toBe('tab\there A');
  });

  it('takes the graph name from the keys, the damping factor as a Java float, ids beyond 2^53 exactly', () => {
    const spec = readLdbcSpec(PROPERTIES, 'g.properties');
    expect(spec).toMatchObject({ name: 'g', directed: true, vertexFile: 'g.v', edgeFile: 'g.e', algorithms: ['bfs', 'pr', 'sssp'] });
    expect(spec.edgeProperties).toEqual([{ name: 'weight', type: 'real' }]);
    expect(spec.pr).toEqual({ dampingFactor: 0.8500000238418579, iterations: 3 });
    expect(spec.bfs?.source).toBe(9007199254740993n);
    expect(spec.sssp).toEqual({ source: 1, weightProperty: 'weight' });
  });

  it('names the file and line of a bad value, and the key that is missing', () => {
    const bad = thrown(() => readLdbcSpec(PROPERTIES.replace('directed=true', 'directed=yes'), 'g.properties'), GraphFormatError);
    expect(bad).toMatchObject({ code: 'GraphFormat', file: 'g.properties', line: 5 });
    const missing = thrown(() => readLdbcSpec(PROPERTIES.replace('graph.g.edge-file : g.e\n', ''), 'g.properties'), GraphFormatError);
    expect(missing.message).toContain('graph.g.edge-file');
    const several = `${PROPERTIES}graph.h.vertex-file = h.v\n`;
    expect(thrown(() => readLdbcSpec(several, 'x.properties'), GraphFormatError).message).toContain('g, h');
    expect(readLdbcSpec(several, 'x.properties', 'g').name).toBe('g');
  });
});

describe('LDBC vertex and edge files', () => {
  it('parse ids (beyond 2^53 as exact BigInts), CRLF, blank lines and weights', () => {
    const v = parseLdbcVertices(bytes('1\r\n\n9223372036854775807\r\n-5\n'), 'g.v');
    expect(v.kind).toBe('bigint');
    expect(values(v)).toEqual([1n, 9223372036854775807n, -5n]);
    const e = parseLdbcEdges(bytes('1 2 0.5\n2 3 1e-3\n\n3 1 12345678901234567890e-19\n'), 'g.e', ['weight'], 'weight');
    expect(values(e.src)).toEqual([1, 2, 3]);
    expect([...e.weights!]).toEqual([0.5, 0.001, 1.2345678901234567]);
  });

  it('report the file and line of a malformed line, and name the column', () => {
    const notInt = thrown(() => parseLdbcVertices(bytes('1\n2\nx3\n'), 'g.v'), GraphFormatError);
    expect(notInt).toMatchObject({ file: 'g.v', line: 3 });
    expect(notInt.message).toMatch(/^g\.v:3: vertex id 'x3' is not an integer/);
    const tooBig = thrown(() => parseLdbcVertices(bytes('9223372036854775808\n'), 'g.v'), GraphFormatError);
    expect(tooBig.message).toContain('int64');
    const weight = thrown(() => parseLdbcEdges(bytes('1 2 0.5\n2 3 heavy\n'), 'g.e', ['weight'], 'weight'), GraphFormatError);
    expect(weight).toMatchObject({ line: 2, column: 'weight' });
    expect(weight.message).toContain("weight 'heavy' is not a number");
    const absent = thrown(() => parseLdbcEdges(bytes('1 2 0.5\n2 3\n'), 'g.e', ['weight'], 'weight'), GraphFormatError);
    expect(absent).toMatchObject({ line: 2, column: 'weight' });
    expect(absent.message).toContain('missing weight column');
    const extra = thrown(() => parseLdbcEdges(bytes('1 2\n2 3 0.5\n'), 'g.e'), GraphFormatError);
    expect(extra).toMatchObject({ line: 2 });
    const target = thrown(() => parseLdbcEdges(bytes('1\n'), 'g.e'), GraphFormatError);
    expect(target.message).toContain('missing target vertex');
  });

  it('loadLdbc: an edge endpoint missing from the vertex file names the edge file and line', () => {
    const spec = { file: 'g.properties', content: PROPERTIES.replace(/bfs.source-vertex = \d+/, 'bfs.source-vertex = 1') };
    const err = thrown(
      () => loadLdbc(spec, { file: 'g.v', content: bytes('1\n2\n3\n') }, { file: 'g.e', content: bytes('1 2 1\n\n2 7 1\n') }),
      VertexNotFoundError,
    );
    expect(err).toMatchObject({ code: 'VertexNotFound', vertex: '7', file: 'g.e', line: 3 });
    const dup = thrown(() => loadLdbc(spec, { file: 'g.v', content: bytes('1\n2\n1\n') }, { file: 'g.e', content: bytes('') }), GraphFormatError);
    expect(dup).toMatchObject({ file: 'g.v', line: 3 });
    const g = loadLdbc(spec, { file: 'g.v', content: bytes('3\n1\n2\n') }, { file: 'g.e', content: bytes('3 1 0.5\n') });
    expect(g.ids.originalId(0)).toBe(1);
    expect(g.graph.out.m).toBe(1);
  });
});

describe('delimited text', () => {
  const csv = 'from,to,w,note\n"a,1",b,0.5,x\r\nb,c,2,y\n# skipped\nc,a,1.5,z\n';

  it('picks columns by name or index, strips quotes, falls back to string ids, skips comments', () => {
    const e = parseDelimitedEdges(bytes(csv), { file: 'e.csv', src: 'from', dst: 1, weight: 'w', comment: '#' });
    expect(e.src.kind).toBe('string');
    expect(values(e.src)).toEqual(['a,1', 'b', 'c']);
    expect(values(e.dst)).toEqual(['b', 'c', 'a']);
    expect([...e.weights!]).toEqual([0.5, 2, 1.5]);
    const tsv = parseDelimitedEdges(bytes('1\t2\n2\t3\n'), { file: 'e.tsv', delimiter: '\t', header: false, src: 0, dst: 1 });
    expect(values(tsv.src)).toEqual([1, 2]);
    expect(tsv.weights).toBeUndefined();
    expect(values(parseDelimitedVertices(bytes('id\n10\n20\n'), { file: 'v.csv', id: 'id' }))).toEqual([10, 20]);
  });

  it('names a missing column, the line of a short record and the column of a bad weight', () => {
    const noColumn = thrown(() => parseDelimitedEdges(bytes(csv), { file: 'e.csv', src: 'from', dst: 'dest' }), MissingColumnError);
    expect(noColumn).toMatchObject({ code: 'MissingColumn', file: 'e.csv', column: "'dest'" });
    expect(noColumn.message).toContain("'from', 'to', 'w', 'note'");
    const short = thrown(() => parseDelimitedEdges(bytes('s,d,w\n1,2,3\n4,5\n'), { file: 'e.csv', src: 's', dst: 'd', weight: 'w' }), GraphFormatError);
    expect(short).toMatchObject({ line: 3, column: 'w' });
    expect(short.message).toContain('the line has 2 fields');
    const nan = thrown(() => parseDelimitedEdges(bytes('s,d,w\n1,2,3\n4,5,0x10\n'), { file: 'e.csv', src: 's', dst: 'd', weight: 'w' }), GraphFormatError);
    expect(nan).toMatchObject({ line: 3, column: 'w' });
    const strict = thrown(() => parseDelimitedEdges(bytes('s,d\n1,b\n'), { file: 'e.csv', src: 's', dst: 'd', idType: 'int' }), GraphFormatError);
    expect(strict).toMatchObject({ line: 2, column: 'd' });
  });
});

describe('graph errors cross thread boundaries', () => {
  it('rebuild into their class with their code and properties', () => {
    const original = new GraphFormatError({ file: 'g.e', line: 12 }, 'bad', 'weight');
    const copy = errorFromData(structuredClone(errorToData(original)));
    expect(copy).toBeInstanceOf(GraphFormatError);
    expect(copy).toMatchObject({ code: 'GraphFormat', file: 'g.e', line: 12, column: 'weight', message: 'g.e:12: bad' });
  });
});
