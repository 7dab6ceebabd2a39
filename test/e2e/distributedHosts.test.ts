/**
 * The distributed executor across hosts (issue 12 §3), needing root for network namespaces: Redis on
 * one namespace host and a `tessera worker` on each of two others (bench/distributed/hosts.ts), the
 * driver in the root namespace reaching them over veth links. A tensor DAG and a graph app give
 * exactly the local executor's results, both workers announce themselves, and a worker whose host
 * loses its link has its task rerun on the other host. The namespaces are removed after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, startWorker, type Redis, type Worker } from '../../bench/distributed/cluster.js';
import { type Hosts, hostsAvailable, hostsUp } from '../../bench/distributed/hosts.js';
import { graph as gs, type NdArray, newSession, type Session, tensor as tt } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/lifecycle.js';

failOnUnhandledRejections();

// Per process, so two runs of this file on one machine do not take each other's namespaces down.
const PREFIX = `t${(process.pid % 46656).toString(36)}`;
const NET = 100 + (process.pid % 150);

let hosts: Hosts | undefined;
let redis: Redis | undefined;
const workers: Worker[] = [];

beforeAll(async () => {
  if (!hostsAvailable()) throw new Error('this test makes network namespaces (ip netns): run it as root on Linux with iproute2, as CI does');
  hosts = hostsUp({ prefix: PREFIX, workers: 2, net: NET });
  redis = await startRedis(hosts.redis);
  workers.push(...(await Promise.all(hosts.workers.map((h) => startWorker(redis!.url, 1, h)))));
}, 300_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop('SIGTERM').catch(() => w.stop())));
  await redis?.stop();
  hosts?.down();
}, 60_000);

const values = (v: unknown): number[] => Array.from((v as NdArray).data);

/** The same DAG on a local session and on a distributed one. */
const pipeline = () => {
  const x = tt.random.rand([400, 300], { seed: 7, chunkSize: [100, 100] });
  return [x.mul(3).add(1).sum({ axis: 0 }), x.map((v) => Math.sqrt(v)).sum(), x.matmul(x.transpose()).sum({ axis: 1 })];
};
const edges = { src: [0, 1, 2, 3, 5, 6], dst: [1, 2, 0, 4, 6, 5], w: [1, 2, 3, 4, 5, 6] };
const graphApps = (g: ReturnType<typeof gs.g>) => [gs.wcc(g).toArray('r'), gs.sssp(g, 0).toArray('r')];

describe('distributed across network-namespace hosts (needs root: ip netns)', () => {
  let local: Session;
  let remote: Session;
  beforeAll(() => {
    local = newSession({ mode: 'lazy', executor: 'local', default: false });
    remote = newSession({ mode: 'lazy', executor: 'distributed', redis: redis!.url, default: false });
  });
  afterAll(() => Promise.all([local?.close(), remote?.close()]));

  it('runs a tensor DAG and graph apps on workers of two hosts, bit-identical to local', async () => {
    const want = (await local.run(local.scope(pipeline))) as NdArray[];
    const got = (await remote.run(remote.scope(pipeline))) as NdArray[];
    expect(got.map(values)).toEqual(want.map(values));
    const build = () => gs.g().addEdges(edges, { src: 'src', dst: 'dst' });
    const graphWant = (await local.run(local.scope(() => graphApps(build())))) as NdArray[];
    const graphGot = (await remote.run(remote.scope(() => graphApps(build())))) as NdArray[];
    expect(graphGot.map(values)).toEqual(graphWant.map(values));
    const seen = new Set((remote.info.remoteWorkers ?? []).map((w) => w.id));
    expect([...seen].sort()).toEqual(workers.map((w) => w.id).sort());
  }, 120_000);

  it('a host cut off from the network mid-task: the task reruns on the other host, exact', async () => {
    // Each chunk's function works long enough that the cut lands while a task is running.
    const slow = () => tt.arange(8, undefined, undefined, { chunkSize: 1 }).map((v) => {
      let s = 0;
      for (let k = 0; k < 300_000_000; k++) s += k & 1;
      return s > 0 ? v * 2 : -1;
    }).sum();
    const running = remote.run(remote.scope(slow));
    await new Promise((r) => setTimeout(r, 700));
    const cut = hosts!.workers[0]!;
    cut.setLink(false);
    try {
      expect(values(await running)).toEqual([56]);
    } finally {
      cut.setLink(true);
    }
  }, 120_000);
});
