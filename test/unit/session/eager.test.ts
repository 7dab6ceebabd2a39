/**
 * The eager batcher alone, with a fake runner: submissions of one synchronous stretch run as one batch,
 * keys are idempotent, failures are per node and inherited by nodes built on a failed one, an eager
 * failure is remembered (so a later execute reports it rather than running again) until the key is
 * forgotten, and nothing is ever an unhandled rejection.
 */
import { describe, expect, it } from 'vitest';
import type { TileableNode } from '../../../src/dag/nodes.js';
import { EagerBatcher } from '../../../src/session/eager.js';
import { failOnUnhandledRejections } from '../../support/lifecycle.js';

function node(key: string, inputs: TileableNode[] = []): TileableNode {
  return { kind: 'tileable', key, op: 'test', params: {}, inputs, meta: { type: 'tensor' } } as unknown as TileableNode;
}

failOnUnhandledRejections();

describe('EagerBatcher', () => {
  it('runs the submissions of one synchronous stretch as one batch, each key once', async () => {
    const batches: string[][] = [];
    const b = new EagerBatcher(async (nodes) => {
      batches.push(nodes.map((n) => n.key));
      return new Map();
    });
    const a = node('a');
    const p1 = b.submit(a);
    const p2 = b.submit(node('b', [a]));
    expect(b.submit(a)).toBe(p1);
    await Promise.all([p1, p2]);
    b.submit(node('c'));
    await b.status('c');
    expect(batches).toEqual([['a', 'b'], ['c']]);
  });

  it('fails only the nodes the runner reports, and remembers the failure until forgotten', async () => {
    const boom = new RangeError('boom');
    const b = new EagerBatcher(async () => new Map([['bad', boom]]));
    const good = b.submit(node('good'));
    const bad = b.submit(node('bad'));
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toBe(boom);
    expect(b.failure('bad')).toBe(boom);
    expect(b.failure('good')).toBeUndefined();
    b.forget('bad');
    expect(b.failure('bad')).toBeUndefined();
    expect(b.status('bad')).toBeUndefined();
  });

  it('a node built on a failed one fails with the same error without running', async () => {
    const boom = new Error('upstream');
    const ran: string[] = [];
    const b = new EagerBatcher(async (nodes) => {
      ran.push(...nodes.map((n) => n.key));
      return new Map([['up', boom]]);
    });
    const up = node('up');
    await b.submit(up).catch(() => undefined);
    await expect(b.submit(node('down', [up]))).rejects.toBe(boom);
    expect(b.failure('down')).toBe(boom);
    expect(ran).toEqual(['up']);
  });

  it('a runner that rejects fails the whole batch with its error', async () => {
    const b = new EagerBatcher(async () => {
      throw new TypeError('runner broke');
    });
    const p = b.submit(node('x'));
    await expect(p).rejects.toThrow('runner broke');
    expect(b.failure('x')).toBeInstanceOf(TypeError);
  });

  it('failures nobody awaits are not unhandled rejections; abort rejects what is still pending', async () => {
    const b = new EagerBatcher(async () => new Map([['f', new Error('never awaited')]]));
    b.submit(node('f'));
    await new Promise((r) => setTimeout(r, 5));
    const pending = b.submit(node('p'));
    b.abort(new Error('closing'));
    await expect(pending).rejects.toThrow('closing');
  });

  it('forgetting a key lets a later submission run it again, and clears the count', async () => {
    let runs = 0;
    const b = new EagerBatcher(async () => {
      runs++;
      return new Map();
    });
    await b.submit(node('k'));
    expect(b.size).toBe(1);
    b.forget('k');
    expect(b.size).toBe(0);
    await b.submit(node('k'));
    expect(runs).toBe(2);
  });
});
