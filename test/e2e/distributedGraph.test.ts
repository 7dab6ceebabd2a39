/**
 * A graph app on the distributed executor runs whole on one worker (its driver on a gang of that
 * worker's threads): WCC and SSSP over a small graph give what the local executor gives.
 */
import { DirectedGraph } from 'graphology';
import { afterEach, describe, expect, it } from 'vitest';
import { graph as gs, newSession, type Session } from '../../src/index.js';
import { clusterForSuite } from '../support/distributed.js';

const cluster = clusterForSuite(1, 2);
const opened: Session[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

function build(): DirectedGraph {
  const g = new DirectedGraph();
  for (let i = 0; i < 12; i++) g.addNode(String(i));
  const edges: [number, number, number][] = [[0, 1, 2], [1, 2, 1], [2, 3, 4], [3, 0, 1], [5, 6, 1], [6, 7, 2], [8, 9, 3], [0, 4, 7], [4, 3, 1]];
  for (const [s, d, w] of edges) g.addEdge(String(s), String(d), { dist: w });
  return g;
}

describe('graph apps on the distributed executor', () => {
  it('WCC and SSSP run whole on one worker and match the local executor', async () => {
    const remote = newSession({ mode: 'lazy', default: false, executor: 'distributed', redis: cluster().url });
    const local = newSession({ mode: 'lazy', default: false, executor: 'local' });
    opened.push(remote, local);
    const ops = (s: Session) => {
      const g = s.scope(() => gs.fromGraphology(build()));
      return s.scope(() => [gs.wcc(g).toArray('r'), gs.sssp(g, 0).toArray('r'), gs.wcc(g).toArray('v.id')]);
    };
    const [want, got] = [await local.run(ops(local)), await remote.run(ops(remote))];
    expect(got).toEqual(want);
  });
});
