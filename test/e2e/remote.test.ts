/**
 * What only a remote session has to get right (the shared behaviour is test/e2e/session.test.ts, run on
 * both): eager failures keep the client's build site; cancelling aborts the server's run; a graph file
 * path is read by the server inside its data directory (and refused outside it); results the client no
 * longer holds leave the server; big results come back byte-exact; a bad DAG sent by hand is a typed
 * 4xx and nothing runs; a server without user code refuses user functions; the client heartbeats.
 */
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CancelledError, graph as gs, type NdArray, newSession, type ProgressEvent, type RemoteSession, tensor as tt, type Tensor,
} from '../../src/index.js';
import type { DispatchEvent } from '../../src/executors/fairPool.js';
import { sharedPoolState } from '../../src/executors/pool.js';
import { encodeFrame, frameBytes } from '../../src/service/wire/frame.js';
import { collectNodes, toWire } from '../../src/service/wire/nodes.js';
import { FRAME_TYPE } from '../../src/service/wire/values.js';
import { sessionBackend } from '../support/backends.js';
import { until } from '../support/events.js';
import { failOnUnhandledRejections } from '../support/lifecycle.js';
import { startTestServer } from '../support/remoteServer.js';
import { rejection } from '../support/rejection.js';

const values = (a: unknown): number[] => Array.from((a as NdArray).data);
const gc = (globalThis as { gc?: () => void }).gc!;

failOnUnhandledRejections();

const backend = sessionBackend('remote');
const opened: RemoteSession[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
function open(options: Parameters<typeof backend.open>[0] = {}): RemoteSession {
  const s = backend.open({ default: false, ...options }) as RemoteSession;
  opened.push(s);
  return s;
}
const engineOf = (s: RemoteSession) => backend.server().engines.get(s.id)!;


describe('eager remote sessions', () => {
  it('fail at the handle that failed and every handle built on it, with the stack of the line here that built it', async () => {
    const s = open({ mode: 'eager' });
    // x is kept reachable to the end: a handle the client collects is released on the server, which
    // would change the count of results below whenever a GC ran first (it did, on a loaded machine).
    const { x, bad, dependent, fine } = s.scope(() => {
      const x = tt.arange(4);
      const bad = x.map((v) => {
        if (v > 1) throw new RangeError(`too big: ${v}`);
        return v;
      });
      return { x, bad, dependent: bad.add(1), fine: x.mul(3) };
    });
    const e = await rejection(bad.fetch());
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toContain('too big: 2');
    expect(e.stack).toContain('the failing op was built at');
    expect(e.stack).toContain('remote.test.ts');
    expect((await rejection(dependent.fetch())).message).toBe(e.message);
    expect(values(await fine.fetch())).toEqual([0, 3, 6, 9]);
    expect(engineOf(s).info.results).toBe(2);
    expect(x.shape).toEqual([4]);
  });

  it('one round trip per eager op: the value rides along with the op it was asked for', async () => {
    const s = open({ mode: 'eager' });
    let runs = 0;
    s.on('progress', (e: ProgressEvent) => {
      if (e.done === e.total) runs++;
    });
    const got = await s.scope(async () => {
      const out: number[][] = [];
      for (let i = 0; i < 5; i++) out.push(values(await tt.full([2], i).mul(2).fetch()));
      return out;
    });
    expect(got).toEqual([0, 2, 4, 6, 8].map((v) => [v, v]));
    expect(runs).toBe(5);
  });
});

describe('cancelling', () => {
  it('execute({signal}) aborts the run on the server: nothing is kept, and the session goes on', async () => {
    const s = open({ mode: 'lazy' });
    const ctl = new AbortController();
    let seen = 0;
    s.on('progress', (e: ProgressEvent) => {
      seen = Math.max(seen, e.done);
      if (e.done === 2) ctl.abort();
    });
    const slow = tt.ones([400], { chunkSize: 1 }).map((v) => {
      let x = v;
      for (let i = 0; i < 2e5; i++) x = Math.sqrt(x + i) % 7;
      return x;
    }).sum();
    const e = await rejection(slow.execute({ session: s, signal: ctl.signal }));
    expect(e).toBeInstanceOf(CancelledError);
    expect(slow.isExecuted({ session: s })).toBe(false);
    const engine = engineOf(s);
    expect(engine.info.results).toBe(0);
    expect(engine.store.usedBytes).toBe(0);
    expect(values(await s.run(tt.arange(3).add(1)))).toEqual([1, 2, 3]);
  });
});

describe('graphs from files', () => {
  const edges = 'src,dst,w\n0,1,0.5\n1,2,1.5\n0,2,5\n';

  it('a path is read by the server, inside its data directory; the client never has the file', async () => {
    writeFileSync(join(backend.server().dataDir, 'remote-edges.csv'), edges);
    const s = open({ mode: 'lazy' });
    const dist = s.scope(() => gs.sssp(gs.loadFrom({ edges: 'remote-edges.csv', edgeProperties: ['w'] }), 0).toArray('r'));
    expect(values(await s.run(dist))).toEqual([0, 0.5, 2]);
    const summary = await s.run(s.scope(() => gs.loadFrom({ edges: 'remote-edges.csv' })));
    expect(summary).toMatchObject({ directed: true, vertices: { _: 3 }, edges: { _: 3 } });
  });

  it('a path outside the data directory is refused with 403, quoting nothing of it', async () => {
    const s = open({ mode: 'lazy' });
    const g = s.scope(() => gs.loadFrom({ edges: '../../etc/passwd' }));
    const e = await rejection(s.run(g));
    expect(e.code).toBe('PathRefused');
    expect(e.message).not.toContain('passwd');
  });

  it('an output path that is a dangling link is refused with 403, and nothing is written where it points', async () => {
    writeFileSync(join(backend.server().dataDir, 'out-edges.csv'), edges);
    const outside = mkdtempSync(join(tmpdir(), 'tessera-outside-'));
    try {
      const target = join(outside, 'planted.txt');
      symlinkSync(target, join(backend.server().dataDir, 'out-link'));
      const s = open({ mode: 'lazy' });
      const ctx = s.scope(() => gs.wcc(gs.loadFrom({ edges: 'out-edges.csv' })));
      const e = await rejection(s.run(ctx.output(join(backend.server().dataDir, 'out-link'))));
      expect(e.code).toBe('PathRefused');
      expect(e.message).not.toContain(outside);
      expect(existsSync(target)).toBe(false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('results the client no longer holds', () => {
  it('are released on the server once their handles are collected here', async () => {
    const s = open({ mode: 'eager' });
    let kept: Tensor | undefined;
    await s.scope(async () => {
      kept = tt.ones([10]).mul(3);
      for (let i = 0; i < 20; i++) await tt.full([100], i).add(1).fetch();
    });
    await until(() => engineOf(s).info.results <= 1, 'the server to release what no handle holds', () => {
      gc();
      void s.channel.sync().catch(() => undefined);
    });
    expect(values(await kept!.fetch())).toEqual(new Array(10).fill(3));
  });
});

describe('big results', () => {
  it('come back as the very bytes: 8 MiB of doubles', async () => {
    const s = open({ mode: 'lazy' });
    const x = tt.arange(2 ** 20, undefined, undefined, { chunkSize: 2 ** 18 }).mul(0.5);
    const got = (await s.run(x)) as NdArray;
    expect(got.data.length).toBe(2 ** 20);
    expect(got.data[12345]).toBe(12345 * 0.5);
    await x.execute({ session: s });
    const again = await x.fetch({ session: s });
    expect(Buffer.from(again.data.buffer, again.data.byteOffset, again.data.byteLength).equals(Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength))).toBe(true);
    expect(again.data === got.data).toBe(false);
  });
});

describe('a DAG sent by hand', () => {
  const send = async (s: RemoteSession, nodes: unknown, targets: string[]): Promise<Response> => {
    await s.ready();
    const body = frameBytes(encodeFrame({ nodes, targets }));
    return fetch(`${backend.server().address}/v1/sessions/${s.id}/remote/run`, { method: 'POST', headers: { authorization: 'Bearer t1', 'content-type': FRAME_TYPE }, body: body as unknown as string });
  };

  it('with a cycle or an unknown op is a 400 with a typed code, and nothing runs', async () => {
    const s = open({ mode: 'lazy' });
    let progress = 0;
    engineOf(await s.ready()).on('progress', () => progress++);
    const [a, b] = collectNodes([tt.arange(4).add(1).node], () => false).map(toWire);
    const cyclic = await send(s, [{ ...a!, inputs: [b!.key] }, b], [b!.key]);
    expect(cyclic.status).toBe(400);
    expect(((await cyclic.json()) as { error: { code: string } }).error.code).toBe('CyclicGraph');
    const unknown = await send(s, [{ ...a!, op: 'child_process.exec' }], [a!.key]);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('UnknownOp');
    expect(progress).toBe(0);
    expect(engineOf(s).info.results).toBe(0);
  });

  it('as a chunk graph: only tensor kernels, no cycles, type-checked expressions', async () => {
    const s = open({ mode: 'lazy' });
    await s.ready();
    const post = async (chunks: unknown[], targets: number[]): Promise<{ status: number; code: string }> => {
      const body = frameBytes(encodeFrame({ chunks, targets, fetched: {} }));
      const r = await fetch(`${backend.server().address}/v1/sessions/${s.id}/remote/chunks`, { method: 'POST', headers: { authorization: 'Bearer t1', 'content-type': FRAME_TYPE }, body: body as unknown as string });
      return { status: r.status, code: r.ok ? 'ok' : ((await r.json()) as { error: { code: string } }).error.code };
    };
    const full = (key: string, inputs: string[] = []) => ({ key, kernel: 'tensor.full', params: { shape: [2], dtype: 'float64', value: 1 }, inputs, meta: { shape: [2], dtype: 'float64' } });
    const readFile = { key: 'g', kernel: 'graph.parse_edges', params: { source: { kind: 'file', file: { path: '/etc/passwd', size: 1, mtimeMs: 0 } } }, inputs: [], meta: {} };
    expect(await post([readFile], [0])).toEqual({ status: 400, code: 'UnknownOp' });
    expect(await post([full('a', ['b']), full('b', ['a'])], [0])).toEqual({ status: 400, code: 'CyclicGraph' });
    const lying = { key: 'c', kernel: 'tensor.ew', params: { expr: { t: 'un', op: 'sqrt); process.exit(', a: { t: 'in', i: 0, dtype: 'float64' }, dtype: 'float64' }, shape: [2], dtype: 'float64' }, inputs: ['a'], meta: { shape: [2], dtype: 'float64' } };
    expect(await post([full('a'), lying], [1])).toEqual({ status: 400, code: 'MalformedWire' });
  });

  it('as a chunk graph: runs on the session\'s own share of the pool, under its id', async () => {
    const s = open({ mode: 'lazy', workers: 2 });
    await s.ready();
    const engine = backend.server().engines.get(s.id)!;
    // Big enough (over the executor's inline limit) to go to the pool.
    const full = (key: string) => ({ key, kernel: 'tensor.full', params: { shape: [20_000], dtype: 'float64', value: 2 }, inputs: [], meta: { shape: [20_000], dtype: 'float64' } });
    const chunks = ['a', 'b', 'c', 'd', 'e', 'f'].map(full);
    const { dispatcher } = sharedPoolState()!;
    const owners: string[] = [];
    const listener = (e: DispatchEvent): void => void owners.push(e.owner);
    dispatcher.on('dispatch', listener);
    try {
      const body = frameBytes(encodeFrame({ chunks, targets: [0, 1, 2, 3, 4, 5], fetched: {} }));
      const r = await fetch(`${backend.server().address}/v1/sessions/${s.id}/remote/chunks`, { method: 'POST', headers: { authorization: 'Bearer t1', 'content-type': FRAME_TYPE }, body: body as unknown as string });
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    } finally {
      dispatcher.off('dispatch', listener);
    }
    expect(owners.length).toBeGreaterThan(0);
    expect(new Set(owners)).toEqual(new Set([engine.id]));
  });

  it('from another token: the session does not exist for it (404, the same body as a missing id)', async () => {
    const s = open({ mode: 'lazy' });
    await s.ready();
    const ask = (id: string, token: string) => fetch(`${backend.server().address}/v1/sessions/${id}/remote/info`, { headers: { authorization: `Bearer ${token}` } });
    const other = await ask(s.id, 't2');
    const missing = await ask('nosuchsession', 't2');
    expect([other.status, missing.status]).toEqual([404, 404]);
    const [a, b] = [(await other.json()) as { error: { code: string } }, (await missing.json()) as { error: { code: string } }];
    expect(a.error.code).toBe('SessionNotFound');
    expect(b.error.code).toBe('SessionNotFound');
    expect((await ask(s.id, 'not-a-token')).status).toBe(401);
  });
});

describe('a server that runs no user code', () => {
  it('refuses user functions with UserCodeRefused, and the session goes on', async () => {
    const server = await startTestServer({ allowUserCode: false });
    const s = newSession({ address: server.address, token: 't1', mode: 'lazy', default: false });
    try {
      const e = await rejection(s.run(tt.arange(3).map((v) => v + 1)));
      expect(e.code).toBe('UserCodeRefused');
      expect(e.status).toBe(403);
      expect(values(await s.run(tt.arange(3).add(1)))).toEqual([1, 2, 3]);
    } finally {
      await s.close();
      await server.close();
    }
  });
});

describe('danglingTimeout', () => {
  const createRaw = (body: Record<string, unknown>): Promise<Response> =>
    fetch(`${backend.server().address}/v1/sessions`, { method: 'POST', headers: { authorization: 'Bearer t1', 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('the client\'s is the server\'s for its session: a silent session closes after it, a heartbeating one stays', async () => {
    const { ctx } = backend.server();
    const s = open({ mode: 'lazy', danglingTimeout: 0.3 } as never);
    await s.ready();
    expect(ctx.journalOf(s.id).events.map((e) => e.message).join('\n')).toContain('danglingTimeout 0.3 s');
    const response = await createRaw({ name: 'silent', kind: 'interactive', danglingTimeout: 0.3 });
    expect(response.status).toBe(201);
    const [silent] = (await response.json()) as string[];
    const journal = ctx.journalOf(silent!);
    await until(() => ctx.registry.get(silent!) === undefined, 'the silent session to close');
    expect(journal.events.map((e) => e.message).join('\n')).toContain('no request for 0.3 s (danglingTimeout)');
    // Longer than 0.3 s went by: the client's heartbeats kept its session.
    expect(ctx.registry.get(s.id)?.status).toBe('Running');
    expect((await s.store.status()).objects).toBeGreaterThanOrEqual(0);
  });

  it('a bad one is a 400 naming it on the server, an OptionError naming it on the client', async () => {
    for (const [body, message] of [
      [{ name: 'x', kind: 'interactive', danglingTimeout: -1 }, /danglingTimeout/],
      [{ name: 'x', kind: 'interactive', danglingTimeout: 1e7 }, /danglingTimeout/],
      [{ name: 'x', kind: 'interactive', danglingTimeout: 'soon' }, /danglingTimeout/],
      [{ name: 'x', kind: 'headless', module: 'job.mjs', danglingTimeout: 5 }, /only for interactive sessions/],
    ] as const) {
      const response = await createRaw(body);
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { field: string; message: string } };
      expect(error.field).toBe('danglingTimeout');
      expect(error.message).toMatch(message);
    }
    for (const danglingTimeout of [1e7, 0.01, 0, Number.NaN, Number.POSITIVE_INFINITY, '60']) {
      expect(() => newSession({ address: backend.server().address, token: 't1', default: false, danglingTimeout } as never), String(danglingTimeout)).toThrow(
        expect.objectContaining({ name: 'OptionError', message: expect.stringMatching(/^danglingTimeout must be a number of seconds from 0\.1 to 2147483, got /) }),
      );
    }
  });
});

describe('heartbeat', () => {
  it('says the client is alive every third of danglingTimeout, on a timer that keeps nothing running', async () => {
    const touched: string[] = [];
    const ctx = backend.server().ctx as { touch: (id: string) => void };
    const original = ctx.touch;
    ctx.touch = (id) => touched.push(id);
    try {
      const s = open({ mode: 'lazy', danglingTimeout: 0.15 } as never);
      await s.ready();
      const before = touched.length;
      await until(() => touched.length >= before + 3, 'three heartbeats');
      expect(new Set(touched.slice(before))).toEqual(new Set([s.id]));
    } finally {
      ctx.touch = original;
    }
  });

  it('sends the next beat only once the last one is answered', async () => {
    const s = open({ mode: 'lazy', danglingTimeout: 0.15 } as never);
    await s.ready();
    let inFlight = 0;
    let most = 0;
    let beats = 0;
    const slowSync = async (): Promise<void> => {
      beats++;
      most = Math.max(most, ++inFlight);
      // Answered after several beat periods (50 ms each).
      await new Promise((r) => setTimeout(r, 200));
      inFlight--;
    };
    (s.channel as { sync: () => Promise<void> }).sync = slowSync;
    await until(() => beats >= 3, 'three heartbeats');
    expect(most).toBe(1);
  });
});
