/**
 * Dataframe pipelines through a real server (issue 11 on issue 10's remote sessions), written with the
 * public API: group-bys (auto, shuffle, tree), merges (broadcast and shuffled), a filter over an assign,
 * sortValues then head (a top-n tree), describe, valueCounts, dropDuplicates, fillna and dropna, built
 * here, sent as plain data, rebuilt and tiled on the server — each gives the very table the same
 * pipeline gives in a local session; so do tensors made columns and a column made a tensor.
 * A hostile expression sent by hand is a typed 400 and nothing runs.
 */
import { RecordBatch, type Table } from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import { binaryExpr, colExpr, type FrameExpr, litExpr } from '../../src/base/frameExpr.js';
import {
  type DataFrame, dataframe as df, type NdArray, newSession, type RemoteSession, type Session, type SessionLike, type Tensor, tensor as tt,
} from '../../src/index.js';
import { filterNode, fromColumnsNode } from '../../src/ops/dataframe/index.js';
import { encodeFrame, frameBytes } from '../../src/service/wire/frame.js';
import { collectNodes, toWire } from '../../src/service/wire/nodes.js';
import { MAX_FRAME_EXPR_DEPTH } from '../../src/service/wire/rebuildFrameExpr.js';
import { FRAME_TYPE } from '../../src/service/wire/values.js';
import { sessionBackend } from '../support/backends.js';
import { failOnUnhandledRejections } from '../support/lifecycle.js';

failOnUnhandledRejections();

const backend = sessionBackend('remote');
const opened: SessionLike[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
const remote = (mode: 'lazy' | 'eager'): RemoteSession => {
  const s = backend.open({ mode, default: false }) as RemoteSession;
  opened.push(s);
  return s;
};
const local = (mode: 'lazy' | 'eager'): Session => {
  const s = newSession({ mode, default: false, executor: 'threads', workers: 2 });
  opened.push(s);
  return s;
};

// 2000 rows in chunks of 300: group keys with nulls and unicode, numbers with nulls, NaN and negatives.
const N = 2000;
const groups = ['a', 'b', 'é', '🎉', null, 'ab', 'c'];
const factColumns = {
  id: Int32Array.from({ length: N }, (_, i) => i),
  g: Array.from({ length: N }, (_, i) => groups[(i * 7) % groups.length]!),
  k: Int32Array.from({ length: N }, (_, i) => (i * 13) % 50),
  v: Array.from({ length: N }, (_, i) => (i % 11 === 0 ? null : ((i * 37) % 101) - 50)),
  w: Array.from({ length: N }, (_, i) => (i % 97 === 0 ? NaN : i % 5 === 0 ? null : (i % 23) / 4)),
  ok: Array.from({ length: N }, (_, i) => (i % 17 === 0 ? null : i % 3 === 0)),
};
const dimColumns = {
  k: Int32Array.from({ length: 40 }, (_, i) => i),
  label: Array.from({ length: 40 }, (_, i) => (i % 9 === 0 ? null : `k${i}·`)),
  w: Array.from({ length: 40 }, (_, i) => i / 8),
};
const facts = fromColumnsNode(factColumns, { chunkRows: 300 });
const col = (name: string): FrameExpr => colExpr(facts.meta.fields.find((f) => f.name === name)!);

const rowsOf = (t: Table): Record<string, unknown>[] => t.toArray().map((r) => ({ ...(r as { toJSON(): object }).toJSON() }));
/** Rows in a canonical order, for results whose row order is unspecified (a shuffled merge). */
const sortedRows = (t: Table): string[] => rowsOf(t).map((r) => JSON.stringify(r)).sort();

/**
 * Runs the pipeline `build` makes in a remote session and in a local one (each builds its own handles,
 * as two programs would) and gives both sessions' tables.
 */
async function both(build: () => readonly DataFrame[], mode: 'lazy' | 'eager' = 'lazy'): Promise<[Table[], Table[]]> {
  const run = async (s: SessionLike): Promise<Table[]> => {
    const handles = withSession(s, build);
    await Promise.all(handles.map((h) => h.execute({ session: s })));
    return Promise.all(handles.map((h) => h.fetch({ session: s })));
  };
  return [await run(remote(mode)), await run(local(mode))];
}
const withSession = <T>(s: SessionLike, fn: () => T): T => s.scope(fn);
const frames = (): { d: DataFrame; dim: DataFrame } => ({ d: df.fromColumns(factColumns, { chunkRows: 300 }), dim: df.fromColumns(dimColumns, { chunkRows: 16 }) });

describe('dataframe pipelines in a remote session', () => {
  it('group-by (auto, a forced shuffle, a tree), valueCounts and dropDuplicates give the local tables', async () => {
    const [there, here] = await both(() => {
      const { d } = frames();
      return [
        d.groupby('g').agg({ v: 'sum', w: 'mean', ok: 'count', k: 'nunique' }),
        d.groupby(['g', 'ok']).agg({ v: 'std', w: 'max', id: 'first' }, { method: 'shuffle', partitions: 3 }),
        d.groupby('k').agg({ v: 'min' }, { method: 'tree', combineSize: 2 }),
        d.valueCounts('g'),
        d.dropDuplicates(['g', 'ok']),
      ];
    });
    for (let j = 0; j < there.length; j++) {
      expect(there[j]!.numRows, `pipeline ${j}`).toBeGreaterThan(0);
      expect(rowsOf(there[j]!), `pipeline ${j}`).toEqual(rowsOf(here[j]!));
    }
  });

  it('merges (broadcast and shuffled, every how) give the local tables', async () => {
    const [there, here] = await both(() => {
      const { d, dim } = frames();
      return [
        d.merge(dim, { on: 'k', how: 'left' }),
        d.merge(dim, { on: ['k'], how: 'inner', method: 'broadcast' }),
        d.merge(dim, { on: 'k', how: 'outer', method: 'shuffle', partitions: 4 }),
        dim.merge(d, { on: 'k', how: 'right', method: 'shuffle' }),
      ];
    });
    expect(there[0]!.numRows).toBe(N);
    expect(rowsOf(there[0]!)).toEqual(rowsOf(here[0]!));
    for (let j = 1; j < there.length; j++) expect(sortedRows(there[j]!), `merge ${j}`).toEqual(sortedRows(here[j]!));
  });

  it('a filter over an assign, fillna, dropna and a max-depth expression give the local tables, eagerly too', async () => {
    const build = (): DataFrame[] => {
      const { d } = frames();
      const a = d.assign({ x: d.col('v').mul(2).add(d.col('w')), big: d.col('v').gt(10) });
      // As deep as a server takes: the chain survives the client's encoder, the server's decoder and the kernel.
      let deep = d.col('ok');
      for (let k = 0; k < MAX_FRAME_EXPR_DEPTH; k++) deep = deep.not();
      return [a.filter(a.col('x').gt(0).and(a.col('g').str.startsWith('a'))), d.fillna({ v: 0, g: '?' }), d.dropna({ subset: ['v', 'g'] }), d.filter(deep)];
    };
    for (const mode of ['lazy', 'eager'] as const) {
      const [there, here] = await both(build, mode);
      expect(there[0]!.numRows).toBeGreaterThan(0);
      for (let j = 0; j < there.length; j++) expect(rowsOf(there[j]!), `pipeline ${j}, ${mode}`).toEqual(rowsOf(here[j]!));
    }
  });

  it('sortValues then head (a top-n tree), a whole sort and describe give the local tables', async () => {
    const [there, here] = await both(() => {
      const { d } = frames();
      const sorted = d.sortValues(['g', 'v', 'id'], { ascending: [true, false, true] });
      return [sorted.head(25), d.sortValues(['w', 'id'], { ascending: [false, true] }).head(30), d.describe(), sorted];
    });
    expect(there[0]!.numRows).toBe(25);
    expect(there[2]!.numRows).toBe(8);
    for (let j = 0; j < there.length; j++) expect(rowsOf(there[j]!), `pipeline ${j}`).toEqual(rowsOf(here[j]!));
  });
});

describe('tensors and frames in a remote session', () => {
  it('iterBatches streams a big result batch by batch over the socket (never whole), as locally; stopping early leaves the session usable', async () => {
    const s = remote('lazy');
    const rows = 200_000;
    const d = s.scope(() => df.fromColumns({ i: Int32Array.from({ length: rows }, (_, i) => i), x: Float64Array.from({ length: rows }, (_, i) => i / 8) }, { chunkRows: 20_000 }));
    await d.execute({ session: s });
    const before = s.transfers;
    const sizes: number[] = [];
    let next = 0;
    for await (const b of d.iterBatches({ session: s })) {
      expect(b).toBeInstanceOf(RecordBatch);
      sizes.push(b.numRows);
      const i = b.getChild('i')!.toArray() as Int32Array;
      expect(i[0]).toBe(next);
      expect(i[i.length - 1]).toBe(next + b.numRows - 1);
      expect(b.getChild('x')!.get(b.numRows - 1)).toBe((next + b.numRows - 1) / 8);
      next += b.numRows;
    }
    expect(sizes).toEqual(new Array(10).fill(20_000));
    // 2.4 MB would come whole through the shared-memory hand-off; the stream is one socket answer.
    expect(s.transfers).toEqual({ sharedMemory: before.sharedMemory, socket: before.socket + 1 });
    const cut: number[] = [];
    for await (const b of d.iterBatches({ session: s, batchSize: 15_000 })) cut.push(b.numRows);
    expect(cut).toEqual(Array.from({ length: 10 }, () => [15_000, 5_000]).flat());
    for await (const b of d.iterBatches({ session: s })) {
      expect(b.numRows).toBe(20_000);
      break;
    }
    expect((await d.fetch({ session: s })).numRows).toBe(rows);
  });

  it('tensors become columns and a column a tensor, as locally', async () => {
    const build = (): { frame: DataFrame; tensor: Tensor } => {
      const frame = df.fromColumns({ a: tt.arange(30, undefined, undefined, { chunkSize: 7 }), b: tt.random.rand([30], { seed: 5, chunkSize: 4 }) });
      return { frame, tensor: frame.col('a').mul(frame.col('b')).toTensor() };
    };
    const values = async (s: SessionLike): Promise<[Record<string, unknown>[], number[]]> => {
      const { frame, tensor } = s.scope(build);
      const [t, x] = await s.run([frame, tensor] as const);
      return [rowsOf(t as Table), Array.from((x as NdArray).data as Float64Array)];
    };
    const [there, here] = [await values(remote('lazy')), await values(local('lazy'))];
    expect(there[0]).toHaveLength(30);
    expect(there).toEqual(here);
  });
});

describe('a hostile frame DAG sent by hand', () => {
  /** The frame of `{nodes, targets}`, its JSON text's `"@mask"` replaced by `mask` (JSON text of any depth). */
  const frameOf = (nodes: unknown, targets: string[], mask?: string): Uint8Array => {
    const bytes = frameBytes(encodeFrame({ nodes, targets }));
    if (mask === undefined) return bytes;
    const pad8 = (n: number): number => (n + 7) & ~7;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const [jsonLength, count] = [dv.getUint32(4, true), dv.getUint32(8, true)];
    const jsonAt = pad8(12 + 8 * count);
    const json = Buffer.from(Buffer.from(bytes.buffer, bytes.byteOffset + jsonAt, jsonLength).toString('utf8').replace('"@mask"', mask), 'utf8');
    const parts = bytes.subarray(jsonAt + pad8(jsonLength));
    const out = new Uint8Array(jsonAt + pad8(json.length) + parts.length);
    out.set(bytes.subarray(0, jsonAt));
    new DataView(out.buffer).setUint32(4, json.length, true);
    out.set(json, jsonAt);
    out.set(parts, jsonAt + pad8(json.length));
    return out;
  };
  const send = async (s: RemoteSession, nodes: unknown, targets: string[], mask?: string): Promise<Response> => {
    await s.ready();
    const body = frameOf(nodes, targets, mask);
    return fetch(`${backend.server().address}/v1/sessions/${s.id}/remote/run`, { method: 'POST', headers: { authorization: 'Bearer t1', 'content-type': FRAME_TYPE }, body: body as unknown as string });
  };

  it('an injected operator or a deep expression is a 400 MalformedWire, and nothing runs', async () => {
    const s = remote('lazy');
    await s.ready();
    const engine = backend.server().engines.get(s.id)!;
    const wire = collectNodes([filterNode(facts, binaryExpr('gt', col('v'), litExpr(1)))], () => false).map(toWire);
    const [source, filter] = wire as [ReturnType<typeof toWire>, ReturnType<typeof toWire>];
    const injected = { t: 'bin', op: 'gt', a: { t: 'un', op: 'abs(0)); process.exit(1); (Math.abs', a: col('v'), dtype: 'float64' }, b: litExpr(1), dtype: 'bool' };
    const bad = await send(s, [source, { ...filter, params: { mask: injected } }], [filter.key]);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('MalformedWire');
    // Past the expression's depth limit; then deeper than any recursive walk of the JSON could go (the
    // client's own encoder cannot even send that).
    for (const levels of [MAX_FRAME_EXPR_DEPTH + 1, 200_000]) {
      const deep = `${'{"t":"un","op":"not","dtype":"bool","a":'.repeat(levels)}${JSON.stringify(col('ok'))}${'}'.repeat(levels)}`;
      const nested = await send(s, [source, { ...filter, params: { mask: '@mask' } }], [filter.key], deep);
      expect(nested.status, `${levels} levels`).toBe(400);
      const { error } = (await nested.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('MalformedWire');
      expect(error.message).toMatch(levels < 200_000 ? /deeper than/ : /nests too deeply/);
    }
    expect(engine.info.results).toBe(0);
  });
});
