/**
 * The dashboard's view of a run: levels and grouping of the drawn DAG, its caps, and the tracker that
 * follows a real session — chunk states only move forward, a chunk is "running" only once its inputs are
 * done, the page's model rebuilt from the messages equals the tracker's snapshot, failures are shown.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChunkGraphBuilder } from '../../../src/dag/chunkGraph.js';
import type { TileableNode } from '../../../src/dag/nodes.js';
import { newSession, type Session, tensor as tt } from '../../../src/index.js';
import { type DagMessage, DagTracker } from '../../../src/service/server/dashboard/dagTracker.js';
import { layoutDag, longestPathLevels } from '../../../src/service/server/dashboard/dagView.js';
import { type ClientDag, clientDag, type DagModel } from '../../support/dashboardAssets.js';

let dag: ClientDag;
beforeAll(async () => {
  dag = await clientDag();
});

const opened: Session[] = [];
function open(): Session {
  const s = newSession({ executor: 'local', mode: 'lazy', default: false });
  opened.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

/** a, b → c → d ← f (f already stored); owners: a, b of "x", c and d of "y". */
function smallGraph() {
  const g = new ChunkGraphBuilder();
  g.add({ key: 'a', kernel: 'k.src', params: null, inputs: [], meta: null });
  g.add({ key: 'b', kernel: 'k.src', params: null, inputs: [], meta: null });
  g.add({ key: 'c', kernel: 'k.mid', params: null, inputs: ['a', 'b', 'a'], meta: null });
  g.addFetch('f', null);
  g.add({ key: 'd', kernel: 'k.end', params: null, inputs: ['c', 'f'], meta: null });
  const graph = g.build();
  const owner = (key: string, op: string) => ({ key, op }) as unknown as TileableNode;
  const owners: Record<string, TileableNode> = { a: owner('x', 'op.x'), b: owner('x', 'op.x'), c: owner('y', 'op.y'), d: owner('y', 'op.y') };
  return { graph, ownerOf: (i: number) => owners[graph.keys[i]!] };
}

describe('layoutDag', () => {
  it('draws every chunk at its longest-path level, with distinct edges', () => {
    const { graph, ownerOf } = smallGraph();
    const layout = layoutDag(graph, ownerOf);
    expect(layout.grouped).toBe(false);
    expect(layout.nodes.map((n) => [n.label, n.level, n.size])).toEqual([['k.src', 0, 1], ['k.src', 0, 1], ['k.mid', 1, 1], ['stored', 0, 1], ['k.end', 2, 1]]);
    expect(layout.edges).toEqual([0, 2, 1, 2, 2, 4, 3, 4]);
    expect([...layout.nodeOf]).toEqual([0, 1, 2, 3, 4]);
  });

  it('past detailChunks draws one node per stage (tileable and kernel), and one for what was stored', () => {
    const { graph, ownerOf } = smallGraph();
    const layout = layoutDag(graph, ownerOf, { detailChunks: 3, nodes: 10, edges: 10 });
    expect(layout.grouped).toBe(true);
    expect(layout.nodes.map((n) => [n.label, n.level, n.size])).toEqual([['k.src', 0, 2], ['k.mid', 1, 1], ['stored', 0, 1], ['k.end', 2, 1]]);
    expect(layout.edges).toEqual([0, 1, 1, 3, 2, 3]);
    expect([...layout.nodeOf]).toEqual([0, 0, 1, 2, 3]);
  });

  it('past the caps keeps the nodes nearest the inputs and counts what it left out', () => {
    const { graph, ownerOf } = smallGraph();
    const layout = layoutDag(graph, ownerOf, { detailChunks: 10, nodes: 3, edges: 1 });
    expect(layout.nodes.map((n) => n.label)).toEqual(['k.src', 'k.src', 'stored']);
    expect(layout.hiddenChunks).toBe(2);
    expect([...layout.nodeOf]).toEqual([0, 1, -1, 2, -1]);
    expect(layout.edges).toEqual([]);
    const edgeCapped = layoutDag(graph, ownerOf, { detailChunks: 10, nodes: 10, edges: 1 });
    expect(edgeCapped.edges).toHaveLength(2);
    expect(edgeCapped.hiddenEdges).toBe(3);
  });

  it('longestPathLevels puts nodes it cannot order (a cycle) past the deepest level', () => {
    expect([...longestPathLevels(3, [0, 1, 1, 2, 0, 2])]).toEqual([0, 1, 2]);
    expect([...longestPathLevels(4, [0, 1, 1, 2, 2, 1, 0, 3])]).toEqual([0, 2, 2, 1]);
  });
});

/**
 * Follows a tracker like the page does (model from the snapshot, updates applied) and checks every
 * message against the rules; the tracker shields itself from its listeners, so breaches are collected.
 */
function follow(tracker: DagTracker) {
  let model: DagModel | undefined;
  let messages = 0;
  const breaches: string[] = [];
  const rank: Record<string, number> = { pending: 0, running: 1, done: 2, failed: 2 };
  let waiter: { status: string; run: number; resolve: () => void } | undefined;
  tracker.subscribe((m: DagMessage) => {
    const before = model && m.type === 'update' ? model.nodes.map((_, i) => dag.nodeState(model!, i)) : undefined;
    if (m.type === 'snapshot') model = dag.createDagModel(m.snapshot);
    else if (model) dag.applyDagUpdate(model, m.update);
    if (!model) return;
    messages++;
    const states = model.nodes.map((_, i) => dag.nodeState(model!, i));
    // Backwards only at a run's end: chunks ready but never finished go back to pending.
    before?.forEach((was, i) => {
      if (rank[states[i]!]! < rank[was]! && model!.status === 'running') breaches.push(`node ${i}: ${was} -> ${states[i]}`);
    });
    if (!model.grouped) {
      for (let e = 0; e < model.edges.length; e += 2) {
        const [from, to] = [model.edges[e]!, model.edges[e + 1]!];
        if ((states[to] === 'running' || states[to] === 'done') && states[from] !== 'done') breaches.push(`node ${to} ${states[to]} before its input ${from} is done`);
      }
    }
    if (model.totals.reduce((a, b) => a + b, 0) !== model.chunks) breaches.push(`totals ${model.totals} do not add up to ${model.chunks}`);
    if (waiter && model.run === waiter.run && model.status === waiter.status) waiter.resolve();
  });
  return {
    model: () => model,
    messages: () => messages,
    breaches,
    until: (status: string, run: number) =>
      new Promise<void>((resolve) => {
        if (model?.run === run && model.status === status) resolve();
        else waiter = { status, run, resolve };
      }),
  };
}

describe('DagTracker on a session', () => {
  it('follows a run to the end: states only move forward, running only once inputs are done', async () => {
    const s = open();
    const tracker = new DagTracker(s, { flushMs: 1 });
    expect(tracker.snapshot()).toMatchObject({ run: 0, status: 'idle' });
    const viewer = follow(tracker);
    const done = viewer.until('done', 1);
    // 2,000 chunks: a run long enough (tens of ms) for the 1 ms flush to fire between chunks even when
    // a loaded machine runs it in few event-loop turns (400 chunks ran in one flush there).
    const value = (await s.run(tt.arange(200_000, undefined, undefined, { chunkSize: 100 }).mul(3).sum())) as { item(): number };
    expect(value.item()).toBe(3 * 199_999 * 100_000);
    await done;
    const snapshot = tracker.snapshot();
    expect(snapshot.totals).toEqual([0, 0, snapshot.chunks, 0]);
    expect(snapshot.chunks).toBeGreaterThanOrEqual(400);
    expect(snapshot.store!.objects).toBeGreaterThan(0);
    const model = viewer.model()!;
    expect(model.counts).toEqual(snapshot.counts);
    expect(model.totals).toEqual(snapshot.totals);
    expect(viewer.messages()).toBeGreaterThanOrEqual(2);
    expect(viewer.breaches).toEqual([]);
    tracker.close();
  });

  it('shows the failed chunk of a failed run and nothing left running', async () => {
    const s = open();
    const tracker = new DagTracker(s, { flushMs: 1 });
    const viewer = follow(tracker);
    const failed = viewer.until('failed', 1);
    const bad = tt.arange(500, undefined, undefined, { chunkSize: 100 }).reduce((a, x) => {
      if (x === 250) throw new Error('not 250');
      return a + x;
    });
    await expect(s.run(bad)).rejects.toThrow('not 250');
    await failed;
    const snap = tracker.snapshot();
    expect(snap.totals[1]).toBe(0);
    expect(snap.totals[3]).toBe(1);
    const failedNodes = snap.nodes.filter((_, i) => snap.counts[4 * i + 3] === 1);
    expect(failedNodes.map((n) => n.label)).toEqual(['tensor.fold_map']);
    expect(viewer.breaches).toEqual([]);
    tracker.close();
  });

  it('groups a big run by stage, every chunk counted once', async () => {
    const s = open();
    const tracker = new DagTracker(s, { flushMs: 1, limits: { detailChunks: 50, nodes: 100, edges: 100 } });
    const viewer = follow(tracker);
    const done = viewer.until('done', 1);
    await s.run(tt.arange(20_000, undefined, undefined, { chunkSize: 100 }).add(1).max());
    await done;
    const snap = tracker.snapshot();
    expect(snap.grouped).toBe(true);
    expect(snap.nodes.length).toBeLessThan(10);
    expect(snap.nodes.reduce((a, n) => a + n.size, 0)).toBe(snap.chunks);
    // 200 chained maps, and their scalar partials merged by the final in one task (ops/tensor/reduction.ts).
    expect(snap.nodes.map((n) => [n.label, n.size])).toEqual(expect.arrayContaining([['chain', 200], ['tensor.reduce_final', 1]]));
    expect(viewer.model()!.counts).toEqual(snap.counts);
    expect(viewer.breaches).toEqual([]);
    tracker.close();
  });

  it('lets go of the session when it closes and keeps the last run readable', async () => {
    const s = open();
    const tracker = new DagTracker(s);
    await s.run(tt.arange(300, undefined, undefined, { chunkSize: 100 }).sum());
    expect(s.listenerCount('chunks')).toBe(1);
    await s.close();
    expect(tracker.attached).toBe(false);
    expect(s.listenerCount('chunks')).toBe(0);
    expect(tracker.snapshot()).toMatchObject({ run: 1, status: 'done' });
  });
});
