/**
 * Dataframe pipelines through a real server (issue 11 on issue 10's remote sessions): a group-by (auto
 * and a forced shuffle), merges (broadcast and shuffled), a filter over an assign, sortValues then head
 * and topN, describe, valueCounts, dropDuplicates, fillna and dropna, built here, sent as plain data,
 * rebuilt and tiled on the server — each gives the very table the same pipeline gives in a local session.
 * A hostile expression sent by hand is a typed 400 and nothing runs.
 */
import type { Table } from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import { binaryExpr, colExpr, type FrameExpr, litExpr, stringExpr, unaryExpr } from '../../src/base/frameExpr.js';
import { DataFrame, newSession, type RemoteSession, type Session, type SessionLike } from '../../src/index.js';
import {
  assignNode, describeNode, dropDuplicatesNode, dropnaNode, fillnaNode, filterNode, type FrameNode, fromColumnsNode, groupbyAggNode, headNode,
  mergeNode, sortValuesNode, topNNode, valueCountsNode,
} from '../../src/ops/dataframe/index.js';
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
const facts = fromColumnsNode(
  {
    id: Int32Array.from({ length: N }, (_, i) => i),
    g: Array.from({ length: N }, (_, i) => groups[(i * 7) % groups.length]!),
    k: Int32Array.from({ length: N }, (_, i) => (i * 13) % 50),
    v: Array.from({ length: N }, (_, i) => (i % 11 === 0 ? null : ((i * 37) % 101) - 50)),
    w: Array.from({ length: N }, (_, i) => (i % 97 === 0 ? NaN : i % 5 === 0 ? null : (i % 23) / 4)),
    ok: Array.from({ length: N }, (_, i) => (i % 17 === 0 ? null : i % 3 === 0)),
  },
  { chunkRows: 300 },
);
const dim = fromColumnsNode(
  { k: Int32Array.from({ length: 40 }, (_, i) => i), label: Array.from({ length: 40 }, (_, i) => (i % 9 === 0 ? null : `k${i}·`)), w: Array.from({ length: 40 }, (_, i) => i / 8) },
  { chunkRows: 16 },
);
const col = (name: string): FrameExpr => colExpr(facts.meta.fields.find((f) => f.name === name)!);

const rowsOf = (t: Table): Record<string, unknown>[] => t.toArray().map((r) => ({ ...(r as { toJSON(): object }).toJSON() }));
/** Rows in a canonical order, for results whose row order is unspecified (a shuffled merge). */
const sortedRows = (t: Table): string[] => rowsOf(t).map((r) => JSON.stringify(r)).sort();

async function both(nodes: readonly FrameNode[], mode: 'lazy' | 'eager' = 'lazy'): Promise<[Table[], Table[]]> {
  const run = async (s: SessionLike): Promise<Table[]> => {
    const handles = nodes.map((n) => new DataFrame(n));
    await Promise.all(handles.map((h) => h.execute({ session: s })));
    return Promise.all(handles.map((h) => h.fetch({ session: s })));
  };
  return [await run(remote(mode)), await run(local(mode))];
}

describe('dataframe pipelines in a remote session', () => {
  it('group-by (auto and a forced shuffle), valueCounts and dropDuplicates give the local tables', async () => {
    const nodes = [
      groupbyAggNode(facts, ['g'], { v: 'sum', w: 'mean', ok: 'count', k: 'nunique' }),
      groupbyAggNode(facts, ['g', 'ok'], { v: 'std', w: 'max', id: 'first' }, { method: 'shuffle', partitions: 3 }),
      groupbyAggNode(facts, ['k'], { v: 'min' }, { method: 'tree', combineSize: 2 }),
      valueCountsNode(facts, 'g'),
      dropDuplicatesNode(facts, ['g', 'ok']),
    ];
    const [there, here] = await both(nodes);
    for (let j = 0; j < nodes.length; j++) {
      expect(there[j]!.numRows, nodes[j]!.op).toBeGreaterThan(0);
      expect(rowsOf(there[j]!), nodes[j]!.op).toEqual(rowsOf(here[j]!));
    }
  });

  it('merges (broadcast and shuffled, every how) give the local tables', async () => {
    const nodes = [
      mergeNode(facts, dim, { on: ['k'], how: 'left' }),
      mergeNode(facts, dim, { on: ['k'], how: 'inner', method: 'broadcast' }),
      mergeNode(facts, dim, { on: ['k'], how: 'outer', method: 'shuffle', partitions: 4 }),
      mergeNode(dim, facts, { on: ['k'], how: 'right', method: 'shuffle' }),
    ];
    const [there, here] = await both(nodes);
    expect(there[0]!.numRows).toBe(N);
    expect(rowsOf(there[0]!)).toEqual(rowsOf(here[0]!));
    for (let j = 1; j < nodes.length; j++) expect(sortedRows(there[j]!), nodes[j]!.params['method'] as string).toEqual(sortedRows(here[j]!));
  });

  it('a filter over an assign, fillna and dropna give the local tables, eagerly too', async () => {
    const x = binaryExpr('add', binaryExpr('mul', col('v'), litExpr(2)), col('w'));
    const assigned = assignNode(facts, { x, big: binaryExpr('gt', col('v'), litExpr(10)) });
    const xs = colExpr({ name: 'x', dtype: 'float64' });
    const mask = binaryExpr('and', binaryExpr('gt', xs, litExpr(0)), stringExpr('startsWith', col('g'), 'a'));
    // As deep as a server takes: the chain survives the client's encoder, the server's decoder and the kernel.
    let deep: FrameExpr = col('ok');
    for (let k = 0; k < MAX_FRAME_EXPR_DEPTH; k++) deep = unaryExpr('not', deep);
    const nodes = [filterNode(assigned, mask), fillnaNode(facts, { v: 0, g: '?' }), dropnaNode(facts, ['v', 'g']), filterNode(facts, deep)];
    for (const mode of ['lazy', 'eager'] as const) {
      const [there, here] = await both(nodes, mode);
      expect(there[0]!.numRows).toBeGreaterThan(0);
      for (let j = 0; j < nodes.length; j++) expect(rowsOf(there[j]!), `${nodes[j]!.op} ${mode}`).toEqual(rowsOf(here[j]!));
    }
  });

  it('sortValues then head, topN and describe give the local tables', async () => {
    const sorted = sortValuesNode(facts, ['g', 'v', 'id'], [true, false, true]);
    const nodes = [headNode(sorted, 25), topNNode(facts, ['w', 'id'], [false, true], 30), describeNode(facts), sorted];
    const [there, here] = await both(nodes);
    expect(there[0]!.numRows).toBe(25);
    expect(there[2]!.numRows).toBe(8);
    for (let j = 0; j < nodes.length; j++) expect(rowsOf(there[j]!), nodes[j]!.op).toEqual(rowsOf(here[j]!));
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
