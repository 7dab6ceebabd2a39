/**
 * The dashboard's client modules, loaded as the browser loads them: immer patches applied to the page's
 * copy of the registry state give the server's next state exactly; the event-stream parser survives any
 * split of the bytes; the DAG model follows updates and its layout puts every node right of its inputs.
 */
import fc from 'fast-check';
import { enablePatches, produceWithPatches, type Draft } from 'immer';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ClientDag, type ClientState, clientDag, clientState, type Patch } from '../../support/dashboardAssets.js';

enablePatches();

let state: ClientState;
let dag: ClientDag;
beforeAll(async () => {
  state = await clientState();
  dag = await clientDag();
});

interface Rec {
  id: string;
  status: string;
  memoryInUse: number;
  args?: string[];
  env?: Record<string, string>;
  dag: { runs: number; chunksDone: number };
  error?: { code: string; message: string };
}
interface S {
  sessions: Record<string, Rec>;
}

const record = (id: string): Rec => ({ id, status: 'Pending', memoryInUse: 0, args: ['a', 'b', 'c'], env: { A: '1' }, dag: { runs: 0, chunksDone: 0 } });
const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Each step a registry change as the server would make one. */
const steps: ((d: Draft<S>) => void)[] = [
  (d) => void (d.sessions.s1 = record('s1')),
  (d) => void (d.sessions.s2 = record('s2')),
  (d) => void (d.sessions.s1!.status = 'Running'),
  (d) => void (d.sessions.s1!.dag = { runs: 1, chunksDone: 40 }),
  (d) => void (d.sessions.s2!.dag.chunksDone += 5),
  (d) => void d.sessions.s1!.args!.push('d', 'e'),
  (d) => void d.sessions.s1!.args!.splice(1, 2),
  (d) => void d.sessions.s1!.args!.pop(),
  (d) => void (d.sessions.s1!.args = []),
  (d) => void (d.sessions.s2!.args!.length = 1),
  (d) => void d.sessions.s2!.args!.unshift('z'),
  (d) => void (d.sessions.s2!.env!.B = '2'),
  (d) => void delete d.sessions.s2!.env!.A,
  (d) => void delete d.sessions.s2!.env,
  (d) => void (d.sessions.s1!.error = { code: 'E', message: 'boom' }),
  (d) => void delete d.sessions.s1!.error,
  (d) => void (d.sessions.s1!.memoryInUse = 1 << 20),
  (d) => void delete d.sessions.s1,
  (d) => void (d.sessions.s3 = record('s3')),
  (d) => {
    d.sessions.s3!.status = 'Completed';
    d.sessions.s3!.args![0] = 'x';
    delete d.sessions.s2;
  },
];

describe('client applyPatches', () => {
  it('replays every registry change to the same state the server has', () => {
    let server: S = { sessions: {} };
    let client: S = json(server);
    for (const step of steps) {
      const [next, patches] = produceWithPatches(server, step);
      client = state.applyPatches(client, json(patches) as Patch[]);
      expect(client).toEqual(json(next));
      server = next;
    }
  });

  it('replays random sequences of changes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(steps.length - 1), { maxLength: 40 }), (order) => {
        let server: S = { sessions: { s1: record('s1'), s2: record('s2') } };
        let client: S = json(server);
        for (const k of order) {
          // A step whose session is gone does nothing on the server (immer throws on a missing draft).
          let result: readonly [S, readonly unknown[], ...unknown[]];
          try {
            result = produceWithPatches(server, steps[k]!);
          } catch {
            continue;
          }
          client = state.applyPatches(client, json(result[1]) as Patch[]);
          server = result[0];
        }
        expect(client).toEqual(json(server));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a patch that leads nowhere or reaches for the prototype, and leaves the state alone', () => {
    const s = { sessions: { a: { id: 'a' } } };
    expect(() => state.applyPatches(s, [{ op: 'replace', path: ['sessions', 'zz', 'status'], value: 1 }])).toThrow(/leads nowhere/);
    expect(() => state.applyPatches(s, [{ op: 'add', path: ['__proto__', 'polluted'], value: 1 }])).toThrow(/Refusing/);
    expect(({} as { polluted?: number }).polluted).toBeUndefined();
    expect(s).toEqual({ sessions: { a: { id: 'a' } } });
  });

  it('takes the initial snapshot as a map or a list of records', () => {
    const a = { id: 'a' };
    expect(state.sessionsFromSnapshot({ sessions: { a } })).toEqual({ sessions: { a } });
    expect(state.sessionsFromSnapshot({ sessions: [a] })).toEqual({ sessions: { a } });
    expect(state.sessionsFromSnapshot([a])).toEqual({ sessions: { a } });
  });
});

describe('client event-stream parser', () => {
  const stream = ': comment\n\nevent: snapshot\ndata: {"a":1}\n\nevent: patches\r\ndata: [1,\r\ndata: 2]\r\n\r\ndata: plain\n\nevent: empty\n\n';
  const expected = [['snapshot', '{"a":1}'], ['patches', '[1,\n2]'], ['message', 'plain']];

  it('parses named, multi-line and unnamed events, skipping comments and events without data', () => {
    const got: string[][] = [];
    state.createSseParser((n, d) => got.push([n, d]))(stream);
    expect(got).toEqual(expected);
  });

  it('gives the same events however the bytes are split (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(stream.length), { maxLength: 12 }), (cuts) => {
        const got: string[][] = [];
        const push = state.createSseParser((n, d) => got.push([n, d]));
        let at = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          push(stream.slice(at, cut));
          at = cut;
        }
        push(stream.slice(at));
        expect(got).toEqual(expected);
      }),
    );
  });
});

describe('client DAG model and layout', () => {
  const snapshot = {
    run: 3, status: 'running', chunks: 4, totals: [2, 1, 1, 0], grouped: false,
    nodes: [{ label: 'tensor.arange', level: 0, size: 1 }, { label: 'tensor.arange', level: 0, size: 1 }, { label: 'tensor.ew', level: 1, size: 1 }, { label: 'tensor.reduce', level: 2, size: 2 }],
    edges: [0, 2, 1, 2, 2, 3], counts: [0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0], hiddenChunks: 0, hiddenEdges: 0,
  };

  it('applies updates of its run, ignores another run, and reads node states', () => {
    const model = dag.createDagModel(snapshot);
    expect([0, 1, 2, 3].map((i) => dag.nodeState(model, i))).toEqual(['done', 'running', 'pending', 'pending']);
    expect(dag.applyDagUpdate(model, { run: 2, status: 'done', totals: [0, 0, 5, 0], changes: [0, 0, 0, 0, 1] })).toBeNull();
    const changed = dag.applyDagUpdate(model, { run: 3, status: 'running', totals: [1, 1, 2, 1], changes: [1, 0, 0, 1, 0, 3, 1, 0, 0, 1] });
    expect(changed).toEqual([1, 3]);
    expect([0, 1, 2, 3].map((i) => dag.nodeState(model, i))).toEqual(['done', 'done', 'pending', 'mixed']);
    expect(dag.describeRun(model)).toBe('Run 3 running: 4 chunks (1 pending, 1 running, 2 done, 1 failed).');
    expect(snapshot.counts[4]).toBe(0);
  });

  it('lays nodes out in a band of columns per level, each band right of the one before, no two nodes at one place', () => {
    for (const count of [4, 149, 151, 1000]) {
      const nodes = Array.from({ length: count }, (_, i) => ({ label: `op${i % 7}`, level: i % 9 === 0 ? 0 : 1 + (i % 4), size: 1 }));
      const { boxes, bands, width, height } = dag.layoutNodes(nodes);
      const bandOf = new Map(bands.map((b) => [b.level, b]));
      const right = new Map<number, number>();
      const left = new Map<number, number>();
      const seen = new Set<string>();
      boxes.forEach((b, i) => {
        expect(b.x + b.w).toBeLessThanOrEqual(width);
        expect(b.y + b.h).toBeLessThanOrEqual(height);
        const level = nodes[i]!.level;
        right.set(level, Math.max(right.get(level) ?? -Infinity, b.x + b.w));
        left.set(level, Math.min(left.get(level) ?? Infinity, b.x));
        seen.add(`${b.x},${b.y}`);
        const band = bandOf.get(level)!;
        expect(b.x >= band.x && b.x + b.w <= band.x + band.w).toBe(true);
      });
      expect(seen.size).toBe(count);
      const levels = [...right.keys()].sort((a, b) => a - b);
      for (let k = 1; k < levels.length; k++) expect(right.get(levels[k - 1]!)!).toBeLessThan(left.get(levels[k]!)!);
      expect(bands.map((b) => b.level)).toEqual(levels);
    }
  });
});
