/**
 * Remote sessions against the same work in-process (issue 10 §7), the server in a process of its own on
 * loopback (serverProcess.ts):
 * - a tiny eager op round trip (build `full([3]).mul(2)`, fetch it): median latency once warm, target
 *   ≤ 2 ms, with the first 300 ops' median beside it; baselines: the same op in-process, timed the same
 *   way, and the cheapest request there is (GET the session's info);
 * - fetching a 64 MiB executed result: GB/s, target ≥ 1 GB/s, through shared memory (the default for a
 *   client on the server's host) and over the socket (`sharedMemory: false`), interleaved; baselines:
 *   the in-process fetch of the same result, and 64 MiB over a bare loopback TCP socket (the socket's floor);
 *   each path also with `fetch({ into })`, into one array the caller reuses (no fresh pages to fault in);
 * - the README's lazy tensor example (4000×4000 random, `mul(2).add(1).sum(axis 0)`, then mean and std
 *   in one run), a fresh seed per repetition: remote / in-process time, target ≤ 1.2×;
 * - 100 concurrent remote sessions each creating, running a small DAG (exact result checked) and
 *   closing: wall time, requests/s, p50/p99 of the runs; baseline: 100 concurrent in-process sessions.
 * Every figure is a median of several runs; the machine is shared, so read the ratios.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createServer, connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newSession, type NdArray, type RemoteSession, type SessionLike, tensor as tt } from '../../src/index.js';
import { fmt, summarize, time, writeResult } from '../harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
const MiB = 2 ** 20;

async function startServer(): Promise<{ address: string; stop: () => Promise<void> }> {
  const script = join(here, `serverProcess.${ext}`);
  const child = spawn(process.execPath, ext === 'ts' ? ['--import', 'tsx', script] : [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const address = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const line = text.split('\n')[0];
      if (text.includes('\n')) resolve((JSON.parse(line!) as { address: string }).address);
    });
    child.on('exit', (code) => reject(new Error(`the server process exited (${code})`)));
  });
  return {
    address,
    stop: () =>
      new Promise<void>((resolve) => {
        child.on('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

/**
 * The cheapest request a session can make (GET its info): the HTTP floor under every remote call, over
 * node:http with a kept-alive connection (as the client sends its requests) and over built-in fetch.
 */
async function infoRoundTrip(sess: RemoteSession): Promise<{ nodeHttpMs: number; fetchMs: number }> {
  await sess.ready();
  const url = `${sess.config.address}/v1/sessions/${sess.id}/remote/info`;
  const agent = new Agent({ keepAlive: true });
  const viaHttp = await time(
    () =>
      new Promise<void>((resolve, reject) => {
        const req = request(url, { agent, headers: { authorization: 'Bearer bench' } }, (res) => res.resume().on('end', resolve));
        req.on('error', reject).end();
      }),
    300,
    100,
  );
  agent.destroy();
  const viaFetch = await time(async () => {
    const r = await fetch(url, { headers: { authorization: 'Bearer bench' } });
    await r.arrayBuffer();
  }, 300, 100);
  return { nodeHttpMs: viaHttp.median, fetchMs: viaFetch.median };
}

/**
 * The tiny eager op's median: `coldMs` over 300 ops after 100 warm-up ones, `steadyMs` over 300 more
 * after 1600 further untimed ones (both processes' JIT has settled by then; it takes longer on a loaded
 * machine). Remote and in-process sessions are timed the same way.
 */
async function eagerRoundTrip(sess: SessionLike): Promise<{ coldMs: number; steadyMs: number }> {
  let k = 0;
  const op = async (): Promise<void> => {
    const v = (await sess.scope(() => tt.full([3], k++).mul(2)).fetch({ session: sess })) as NdArray;
    if (v.data[0] !== 2 * (k - 1)) throw new Error('wrong eager value');
  };
  const cold = await time(op, 300, 100);
  const steady = await time(op, 300, 1600);
  return { coldMs: cold.median, steadyMs: steady.median };
}

/**
 * A 64 MiB executed result (8 chunks along its only axis) and one timed fetch of it, checked: into a
 * fresh array, and `fetch({ into })` into one array reused from fetch to fetch (made once, outside the timing).
 */
async function bigResult(sess: SessionLike): Promise<{ fetchOnce: () => Promise<number>; fetchInto: () => Promise<number>; release: () => void }> {
  const x = tt.arange(64 * MiB / 8, undefined, undefined, { chunkSize: 8 * MiB / 8 }).mul(0.5);
  await x.execute({ session: sess });
  const check = (v: NdArray): void => {
    if (v.data.length !== 8 * MiB || v.data[12345] !== 6172.5 || v.data[8 * MiB - 1] !== (8 * MiB - 1) * 0.5) throw new Error('wrong fetched value');
  };
  const into = new Float64Array(8 * MiB);
  const timed = async (options: { into?: Float64Array }): Promise<number> => {
    if (options.into) options.into.fill(-1);
    const t0 = performance.now();
    const v = await x.fetch({ session: sess, ...options });
    const ms = performance.now() - t0;
    check(v);
    return ms;
  };
  return { fetchOnce: () => timed({}), fetchInto: () => timed({ into }), release: () => sess.release(x.node) };
}

/** Repetitions of each of `fns` in turn (the machine's load drifts), after a warm-up of each: their medians. */
async function interleaved(reps: number, fns: readonly (() => Promise<number>)[]): Promise<number[]> {
  for (const f of fns) await f();
  const samples = fns.map((): number[] => []);
  for (let i = 0; i < reps; i++) for (const [j, f] of fns.entries()) samples[j]!.push(await f());
  return samples.map((s) => summarize(s).median);
}

/** 64 MiB through a bare loopback TCP socket, received into one buffer: the floor for any protocol. */
async function rawLoopback(): Promise<number> {
  const payload = Buffer.alloc(64 * MiB, 7);
  const server = createServer((socket) => socket.end(payload));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const t = await time(
    () =>
      new Promise<void>((resolve) => {
        const out = Buffer.allocUnsafe(64 * MiB);
        let at = 0;
        const c = connect(port, '127.0.0.1');
        c.on('data', (d: Buffer) => {
          d.copy(out, at);
          at += d.length;
        });
        c.on('end', () => resolve());
      }),
    7,
    1,
  );
  server.close();
  return t.median;
}

let seed = 100;
/** The README's taste, lazy, with a fresh seed so nothing is cached: one timed repetition. */
async function readmeOnce(sess: SessionLike): Promise<number> {
  const t0 = performance.now();
  const x = tt.random.rand([4000, 4000], { chunkSize: 1000, seed: seed++ });
  const y = x.mul(2).add(1).sum({ axis: 0 });
  await y.execute({ session: sess });
  const v = (await y.fetch({ session: sess })) as NdArray;
  const [m, s] = (await sess.run([x.mean(), x.std()])) as NdArray[];
  const ms = performance.now() - t0;
  const [mean, std] = [Number(m!.item()), Number(s!.item())];
  if (v.data.length !== 4000 || !(mean > 0.49 && mean < 0.51 && std > 0.28 && std < 0.3)) throw new Error('wrong README values');
  return ms;
}

/** Repetitions of `a` and `b` alternated (the machine's load drifts), after a warm-up of each: their medians. */
async function alternate(reps: number, a: () => Promise<number>, b: () => Promise<number>): Promise<[number, number]> {
  await a();
  await b();
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < reps; i++) {
    as.push(await a());
    bs.push(await b());
  }
  return [summarize(as).median, summarize(bs).median];
}

/** `n` sessions at once, each created, running a small DAG and closed; run latencies and wall time. */
async function concurrent(n: number, open: (i: number) => SessionLike, requestsPerSession: number): Promise<Record<string, number>> {
  const runs: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const s = open(i);
      try {
        const r0 = performance.now();
        const total = (await s.run(tt.arange(1000, undefined, undefined, { chunkSize: 100 }).mul(i).sum())) as NdArray;
        runs.push(performance.now() - r0);
        if (total.item() !== 499_500 * i) throw new Error(`session ${i}: wrong sum ${total.item()}`);
      } finally {
        await s.close();
      }
    }),
  );
  const wall = performance.now() - t0;
  const sorted = [...runs].sort((a, b) => a - b);
  return {
    wallMs: +wall.toFixed(1),
    requestsPerSec: Math.round((n * requestsPerSession) / (wall / 1000)),
    runP50Ms: +sorted[Math.floor(0.5 * (n - 1))]!.toFixed(2),
    runP99Ms: +sorted[Math.floor(0.99 * (n - 1))]!.toFixed(2),
  };
}

/** The median of each numeric field over `reps` repetitions of `fn`. */
async function medians(reps: number, fn: () => Promise<Record<string, number>>): Promise<Record<string, number>> {
  const all: Record<string, number>[] = [];
  for (let i = 0; i < reps; i++) all.push(await fn());
  return Object.fromEntries(Object.keys(all[0]!).map((k) => [k, summarize(all.map((r) => r[k]!)).median]));
}

export async function benchRemote(): Promise<Record<string, unknown>> {
  const server = await startServer();
  const remote = (options: { mode: 'eager' | 'lazy'; sharedMemory?: boolean }): SessionLike => newSession({ address: server.address, token: 'bench', default: false, ...options });
  const local = (options: { mode: 'eager' | 'lazy' }): SessionLike => newSession({ default: false, ...options });
  const results: Record<string, unknown> = {};
  try {
    const eagerLocal = local({ mode: 'eager' });
    const eagerRemote = remote({ mode: 'eager' });
    const [remoteOp, localOp] = [await eagerRoundTrip(eagerRemote), await eagerRoundTrip(eagerLocal)];
    const [remoteMs, localMs] = [remoteOp.steadyMs, localOp.steadyMs];
    const floor = await infoRoundTrip(eagerRemote as RemoteSession);
    const floorMs = floor.nodeHttpMs;
    await Promise.all([eagerLocal.close(), eagerRemote.close()]);
    results.eagerTinyOp = {
      remoteMs: +remoteMs.toFixed(3), inProcessMs: +localMs.toFixed(3), remoteColdMs: +remoteOp.coldMs.toFixed(3), inProcessColdMs: +localOp.coldMs.toFixed(3),
      httpFloorMs: +floorMs.toFixed(3), fetchFloorMs: +floor.fetchMs.toFixed(3),
      ratio: +(remoteMs / localMs).toFixed(2), overheadOverFloorAndEngineMs: +(remoteMs - floorMs - localMs).toFixed(3), targetMs: 2,
    };
    console.log(
      `tiny eager op: remote ${fmt(remoteMs)} (first 300: ${fmt(remoteOp.coldMs)}), in-process ${fmt(localMs)} (first 300: ${fmt(localOp.coldMs)}), ` +
        `bare info request ${fmt(floorMs)} (node:http), ${fmt(floor.fetchMs)} (fetch) (target <= 2 ms)`,
    );

    const [lazyLocal, lazyRemote] = [local({ mode: 'lazy' }), remote({ mode: 'lazy' })];
    // The same server and result shape, one client forced onto the socket.
    const socketRemote = remote({ mode: 'lazy', sharedMemory: false }) as RemoteSession;
    const bigs = [await bigResult(lazyRemote), await bigResult(socketRemote), await bigResult(lazyLocal)];
    const [shmMs, socketMs, localBigMs, shmIntoMs, socketIntoMs, localIntoMs] = await interleaved(9, [...bigs.map((b) => b.fetchOnce), ...bigs.map((b) => b.fetchInto)]);
    bigs.forEach((b) => b.release());
    const transfers = [(lazyRemote as RemoteSession).transfers, socketRemote.transfers];
    if (transfers[0]!.socket !== 0 || transfers[1]!.sharedMemory !== 0) throw new Error(`a fetch took the other path: ${JSON.stringify(transfers)}`);
    await socketRemote.close();
    const rawMs = await rawLoopback();
    const gbps = (ms: number): number => +((64 * MiB) / 1e9 / (ms / 1000)).toFixed(3);
    results.fetch64MiB = {
      sharedMemoryMs: +shmMs!.toFixed(1), sharedMemoryGBps: gbps(shmMs!), socketMs: +socketMs!.toFixed(1), socketGBps: gbps(socketMs!),
      inProcessMs: +localBigMs!.toFixed(1), inProcessGBps: gbps(localBigMs!), rawLoopbackTcpMs: +rawMs.toFixed(1), rawLoopbackGBps: gbps(rawMs),
      into: {
        sharedMemoryMs: +shmIntoMs!.toFixed(1), sharedMemoryGBps: gbps(shmIntoMs!), socketMs: +socketIntoMs!.toFixed(1), socketGBps: gbps(socketIntoMs!),
        inProcessMs: +localIntoMs!.toFixed(1), inProcessGBps: gbps(localIntoMs!),
      },
      socketRatioToRawLoopback: +(socketMs! / rawMs).toFixed(2), transfers: { sharedMemorySession: transfers[0], socketSession: transfers[1] }, runs: 9, targetGBps: 1,
    };
    console.log(
      `64 MiB fetch: shared memory ${fmt(shmMs!)} (${gbps(shmMs!)} GB/s), socket ${fmt(socketMs!)} (${gbps(socketMs!)} GB/s), ` +
        `in-process ${fmt(localBigMs!)}, bare loopback TCP ${fmt(rawMs)} (target >= 1 GB/s)`,
    );
    console.log(
      `64 MiB fetch({ into }) a reused array: shared memory ${fmt(shmIntoMs!)} (${gbps(shmIntoMs!)} GB/s), socket ${fmt(socketIntoMs!)} (${gbps(socketIntoMs!)} GB/s), ` +
        `in-process ${fmt(localIntoMs!)} (${gbps(localIntoMs!)} GB/s)`,
    );

    const [readmeRemote, readmeLocal] = await alternate(7, () => readmeOnce(lazyRemote), () => readmeOnce(lazyLocal));
    await Promise.all([lazyLocal.close(), lazyRemote.close()]);
    results.readmeLazyRun = { remoteMs: +readmeRemote.toFixed(1), inProcessMs: +readmeLocal.toFixed(1), ratio: +(readmeRemote / readmeLocal).toFixed(3), targetRatio: 1.2 };
    console.log(`README lazy run: remote ${fmt(readmeRemote)}, in-process ${fmt(readmeLocal)} (${(readmeRemote / readmeLocal).toFixed(2)}x, target <= 1.2x)`);

    // Per remote session: create, run (execute + fetch in one request), delete.
    const many = await medians(3, () => concurrent(100, () => remote({ mode: 'lazy' }), 3));
    const manyLocal = await medians(3, () => concurrent(100, () => local({ mode: 'lazy' }), 3));
    results.concurrent100 = { remote: many, inProcess: manyLocal, wallRatio: +(many.wallMs! / manyLocal.wallMs!).toFixed(2), exact: true };
    console.log(`100 concurrent sessions: remote ${fmt(many.wallMs!)} (${many.requestsPerSec} requests/s, run p50 ${fmt(many.runP50Ms!)}, p99 ${fmt(many.runP99Ms!)}), in-process ${fmt(manyLocal.wallMs!)}`);
  } finally {
    await server.stop();
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchRemote();
  console.log(`wrote ${writeResult('service-remote', r)}`);
}
