/**
 * Dataframe file nodes on the wire: readCsv (with and without a header, every option), readParquet and
 * readArrow (file and stream formats, any chunking) and the two sinks are rebuilt from the same file with
 * the very keys and metas they had, every path going through the server's `resolvePath`; a path it
 * refuses is refused, a file that changed is keyed by what the server finds, and a schema the server's
 * file does not have is a MetaMismatch.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { TileableNode } from '../../../src/dag/nodes.js';
import {
  fromColumnsNode, readArrowNode, readCsvNode, readParquetNode, selectNode, toArrowFileNode, toParquetNode,
} from '../../../src/ops/dataframe/index.js';
import { decodeFrame, encodeFrame, frameBytes } from '../../../src/service/wire/frame.js';
import { collectNodes, rebuildNodes, type RebuildOptions, toWire, type WireNode } from '../../../src/service/wire/nodes.js';
import { newSession } from '../../../src/index.js';
import { Result } from '../../../src/api/result.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-wire-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const resolved: string[] = [];
const options: RebuildOptions = {
  lookup: () => undefined,
  allowUserCode: false,
  resolvePath: (p) => {
    if (!p.startsWith(dir)) throw Object.assign(new Error('refused'), { code: 'PathRefused' });
    resolved.push(p);
    return p;
  },
};

function wireOf(nodes: readonly TileableNode[]): WireNode[] {
  return decodeFrame(frameBytes(encodeFrame(collectNodes(nodes, () => false).map(toWire)))) as WireNode[];
}

function expectSame(nodes: readonly TileableNode[]): void {
  const back = rebuildNodes(wireOf(nodes), options);
  for (const node of collectNodes(nodes, () => false)) {
    expect(back.get(node.key)?.key, node.op).toBe(node.key);
    expect(back.get(node.key)?.meta, node.op).toEqual(node.meta);
  }
}

const refusal = (fn: () => unknown): { code?: string; message: string } => {
  try {
    fn();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected a refusal');
};

const csv = join(dir, 'a.csv');
writeFileSync(csv, 'id;name;v\n1;é;0.5\n2;NA;\n3;"x;y";2\n4;z;NA\n');
const headless = join(dir, 'b.csv');
writeFileSync(headless, '1,a\n2,b\n');
const frame = fromColumnsNode({ i: Int32Array.from({ length: 40 }, (_, k) => k), s: Array.from({ length: 40 }, (_, k) => (k % 3 ? `s${k}` : null)) }, { chunkRows: 6 });

describe('dataframe file nodes round-trip with their keys and metas', () => {
  it('readCsv: header or not, delimiter, columns, dtypes, nullValues, chunkBytes', () => {
    resolved.length = 0;
    expectSame([
      readCsvNode(csv, { delimiter: ';' }), readCsvNode(csv, { delimiter: ';', nullValues: ['NA'], chunkBytes: 7 }),
      readCsvNode(csv, { delimiter: ';', columns: ['v', 'id'], dtypes: { id: 'float64' } }), readCsvNode(headless, { header: false }),
      readCsvNode(headless, { header: true }), selectNode(readCsvNode(csv, { delimiter: ';', dtypes: { v: 'string' } }), ['v']),
    ]);
    expect(new Set(resolved)).toEqual(new Set([csv, headless]));
  });

  it('readParquet, readArrow of any chunking (property) and both sinks', async () => {
    const s = newSession({ default: false, executor: 'local' });
    try {
      const pq = join(dir, 'f.parquet');
      const arrow = join(dir, 'f.arrow');
      await new Result(toParquetNode(frame, pq)).execute({ session: s });
      await new Result(toArrowFileNode(frame, arrow)).execute({ session: s });
      const stream = join(dir, 'f.arrows');
      writeFileSync(stream, tableToIPC(tableFromArrays({ x: Int32Array.from([1, 2, 3]) }), 'stream'));
      expectSame([
        readParquetNode(pq), readParquetNode(pq, { columns: ['s'] }), readArrowNode(arrow), readArrowNode(arrow, { columns: ['s', 'i'] }), readArrowNode(stream),
        toParquetNode(frame, join(dir, 'g.parquet')), toArrowFileNode(frame, join(dir, 'g.arrow')),
      ]);
      fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), (chunkBytes) => expectSame([readArrowNode(arrow, { chunkBytes })])), { numRuns: 60 });
      expect(readArrowNode(arrow, { chunkBytes: 1 }).params['groups']).toHaveLength(7);
    } finally {
      await s.close();
    }
  });
});

describe('dataframe file nodes the server refuses or keys itself', () => {
  it('a path the server refuses is refused, for sources and sinks', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'tessera-elsewhere-'));
    try {
      const path = join(elsewhere, 'c.csv');
      writeFileSync(path, 'a\n1\n');
      expect(refusal(() => rebuildNodes(wireOf([readCsvNode(path)]), options)).code).toBe('PathRefused');
      expect(refusal(() => rebuildNodes(wireOf([toParquetNode(frame, join(elsewhere, 'x.parquet'))]), options)).code).toBe('PathRefused');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('a file that changed since the client built against it gets the server key; a schema it lacks is refused', async () => {
    const path = join(dir, 'changing.csv');
    writeFileSync(path, 'a,b\n1,x\n');
    const wire = wireOf([readCsvNode(path)]);
    writeFileSync(path, 'a,b\n1,x\n2,y\n3,z\n');
    const back = rebuildNodes(wire, options).get(wire[0]!.key)!;
    expect(back.key).not.toBe(wire[0]!.key);
    expect(back.key).toBe(readCsvNode(path).key);
    writeFileSync(path, 'a,c\n1,x\n');
    expect(refusal(() => rebuildNodes(wire, options)).message).toContain('no column named "b"');
    // Parquet's rows are in its meta: a file of other rows is not the one the client built against.
    const s = newSession({ default: false, executor: 'local' });
    try {
      const pq = join(dir, 'changing.parquet');
      await new Result(toParquetNode(frame, pq)).execute({ session: s });
      const sent = wireOf([readParquetNode(pq)]);
      await new Result(toParquetNode(selectNode(frame, ['s']), pq)).execute({ session: s });
      expect(refusal(() => rebuildNodes(sent, options)).code).toBe('InvalidArgument');
      await new Result(toParquetNode(fromColumnsNode({ i: Int32Array.from([1]), s: ['x'] }), pq)).execute({ session: s });
      expect(refusal(() => rebuildNodes(sent, options)).code).toBe('MetaMismatch');
    } finally {
      await s.close();
    }
    const source = wireOf([fromColumnsNode({ a: [1] })])[0]!;
    expect(refusal(() => rebuildNodes([{ ...source, op: 'frame.read_parquet', params: { file: { path: 1 } } }], options)).code).toBe('MalformedWire');
  });
});
