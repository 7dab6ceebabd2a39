/**
 * `Tensor.fetch({ into })` (issue 10's 64 MiB fetch): the result lands in the caller's array, which the
 * fetched NdArray's `data` then is — on a local session on both executors (chunks along both axes, a
 * slice of an executed result, a result whose length is measured by the run) and on a remote one,
 * through shared memory and over the socket. Writing into the array afterwards changes nothing
 * cached. A wrong kind of array, a wrong length, or `into` with `batchSize` is refused with a typed
 * error that names what is needed, and the session still serves the result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataframe as df, InvalidArgumentError, type NdArray, newSession, type RemoteSession, type SessionLike, tensor as tt } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/lifecycle.js';
import { startTestServer, type TestServer } from '../support/remoteServer.js';

failOnUnhandledRejections();

const MiB = 2 ** 20;

/** A 2-D float64 result chunked along both axes (600 x 700 elements, chunks 250 x 300). */
const grid = () => tt.arange(600 * 700, undefined, undefined, { chunkSize: 100_000 }).reshape([600, 700]).rechunk([250, 300]).mul(0.5);
const gridValue = (i: number): number => i * 0.5;

function checkIntoUse(open: () => SessionLike): void {
  it('writes a multi-chunk result into the array given, which becomes the NdArray data; the cache is untouched', async () => {
    const s = open();
    const x = s.scope(grid);
    await x.execute({ session: s });
    const into = new Float64Array(600 * 700).fill(-1);
    const got = await x.fetch({ session: s, into });
    expect(got.data).toBe(into);
    expect([got.dtype, got.shape]).toEqual(['float64', [600, 700]]);
    expect(into.every((v, i) => v === gridValue(i))).toBe(true);
    into.fill(7);
    const again = await x.fetch({ session: s });
    expect(again.data.every((v, i) => v === gridValue(i))).toBe(true);
    // Reused for a second fetch: rewritten whole.
    await x.fetch({ session: s, into });
    expect(into.every((v, i) => v === gridValue(i))).toBe(true);
  });

  it('a slice of an executed result, an int32 result and a bool result go into arrays of their kinds', async () => {
    const s = open();
    const x = s.scope(() => tt.arange(1000, undefined, undefined, { dtype: 'int32', chunkSize: 300 }).mul(3));
    const b = s.scope(() => x.gt(1500));
    await s.execute([x, b]);
    const part = new Int32Array(200);
    const sliced = await x.slice({ start: 250, stop: 450 }).fetch({ session: s, into: part });
    expect(sliced.data).toBe(part);
    expect(Array.from(part)).toEqual(Array.from({ length: 200 }, (_, i) => 3 * (250 + i)));
    const flags = new Uint8Array(1000);
    expect((await b.fetch({ session: s, into: flags })).data).toBe(flags);
    expect(flags.reduce((a, v) => a + v, 0)).toBe(499);
  });

  it('a result whose length only the run knows is checked against it; the plain fetch still works', async () => {
    const s = open();
    const frame = s.scope(() => df.fromColumns({ v: Float64Array.from({ length: 50 }, (_, i) => i) }));
    const kept = s.scope(() => frame.filter(frame.col('v').lt(20)).col('v').toTensor());
    await kept.execute({ session: s });
    // Fetched plainly first on a remote session (nothing measured there yet), or checked at the call
    // where the session has told the handle its measured length.
    const wrong = new Float64Array(50);
    const tried = (async () => kept.fetch({ session: s, into: wrong }))();
    await expect(tried).rejects.toThrow(/the result has 20 elements( \(shape \(20,\)\))? but into has 50/);
    expect(wrong.every((v) => v === 0)).toBe(true);
    expect(Array.from((await kept.fetch({ session: s })).data)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const right = new Float64Array(20);
    expect((await kept.fetch({ session: s, into: right })).data).toBe(right);
    expect(Array.from(right)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('refuses a wrong kind of array, a wrong length and into with batchSize, and still serves the result', async () => {
    const s = open();
    const x = s.scope(grid);
    await x.execute({ session: s });
    expect(() => x.fetch({ session: s, into: new Float32Array(600 * 700) })).toThrow(InvalidArgumentError);
    expect(() => x.fetch({ session: s, into: new Float32Array(600 * 700) })).toThrow('a float64 tensor is fetched into a Float64Array; got a Float32Array');
    expect(() => x.fetch({ session: s, into: [1, 2] as unknown as Float64Array })).toThrow('a float64 tensor is fetched into a Float64Array; got');
    expect(() => x.fetch({ session: s, into: new Float64Array(10) })).toThrow('the result has 420000 elements but into has 10');
    expect(() => x.fetch({ session: s, into: new Float64Array(10), batchSize: 5 } as never)).toThrow('into and batchSize cannot be combined');
    expect((await x.fetch({ session: s })).data.every((v, i) => v === gridValue(i))).toBe(true);
  });
}

describe.each(['local', 'threads'] as const)('fetch into a caller array, %s executor', (executor) => {
  const sessions: SessionLike[] = [];
  afterAll(() => Promise.all(sessions.map((s) => s.close())));
  checkIntoUse(() => {
    const s = newSession({ mode: 'lazy', executor, default: false });
    sessions.push(s);
    return s;
  });
});

describe.each([true, false])('fetch into a caller array, remote session (sharedMemory %s)', (sharedMemory) => {
  let server: TestServer;
  const sessions: RemoteSession[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    await server.close();
  });
  const open = (): RemoteSession => {
    const s = newSession({ address: server.address, token: 't1', mode: 'lazy', default: false, sharedMemory }) as RemoteSession;
    sessions.push(s);
    return s;
  };
  checkIntoUse(open);

  it('a big result is read straight into the array', async () => {
    const s = open();
    const x = s.scope(() => tt.arange((4 * MiB) / 8).mul(0.25));
    await x.execute({ session: s });
    const into = new Float64Array((4 * MiB) / 8);
    const before = { ...s.transfers };
    const got: NdArray = await x.fetch({ session: s, into });
    expect(got.data).toBe(into);
    expect(into.every((v, i) => v === i * 0.25)).toBe(true);
    const way = sharedMemory ? 'sharedMemory' : 'socket';
    expect(s.transfers[way]).toBe(before[way] + 1);
  });
});
