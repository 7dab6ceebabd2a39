import { describe, expect, it } from 'vitest';
import { BFS_UNREACHED } from '../../../src/graph/bfs.js';
import { buildGraph } from '../../../src/graph/csr.js';
import { idColumn } from '../../../src/graph/idColumns.js';
import { IdMap } from '../../../src/graph/idmap.js';
import { formatFloat, formatGraphalytics, graphalyticsChunks } from '../../../src/graph/output.js';
import { parseGraphalyticsFloat } from '../../../src/graph/validate.js';
import { wcc } from '../../../src/graph/wcc.js';

describe('Graphalytics output', () => {
  it('prints one line per vertex in id order, labels as original ids, unreachable exactly', () => {
    const ids = IdMap.fromEdges(idColumn(['zeta', 'alpha', 'mid']));
    const src = ids.toInternal(idColumn(['zeta']), () => new Error('missing'));
    const dst = ids.toInternal(idColumn(['mid']), () => new Error('missing'));
    const labels = wcc(buildGraph({ n: ids.size, src, dst }, { directed: true }));
    expect(formatGraphalytics(ids, { kind: 'label', values: labels })).toBe('alpha alpha\nmid mid\nzeta mid\n');
    const big = IdMap.of([9007199254740993n, 1n]);
    const depth = Int32Array.from([0, BFS_UNREACHED]);
    expect(formatGraphalytics(big, { kind: 'depth', values: depth })).toBe('1 0\n9007199254740993 9223372036854775807\n');
    const dist = Float64Array.from([Infinity, 0.1 + 0.2]);
    expect(formatGraphalytics(big, { kind: 'float', values: dist })).toBe('1 infinity\n9007199254740993 0.30000000000000004\n');
  });

  it('writes floats that read back to the same double', () => {
    for (const x of [0, 1e-300, 5e-324, 0.1, 1 / 3, 123456789.123, 1.7976931348623157e308, 2 ** -1074, Infinity]) {
      expect(parseGraphalyticsFloat(formatFloat(x))).toBe(x);
    }
    expect(formatFloat(NaN)).toBe('nan');
  });

  it('streams large outputs in chunks and rejects a result of the wrong length', () => {
    const ids = IdMap.range(10);
    const values = Int32Array.from({ length: 10 }, (_, i) => i * i);
    const chunks = [...graphalyticsChunks(ids, { kind: 'integer', values }, 4)];
    expect(chunks).toHaveLength(3);
    expect(chunks.join('')).toBe(formatGraphalytics(ids, { kind: 'integer', values }));
    expect(() => formatGraphalytics(ids, { kind: 'integer', values: new Int32Array(3) })).toThrow(/3 values for 10 vertices/);
  });
});
