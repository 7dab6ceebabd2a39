/**
 * A session's scope is an async context (session/defaults.ts), and every async resource made inside it
 * keeps that context for its whole life. A closed session must not be kept alive that way — with its
 * listeners and what their closures hold (a graph handle, and so its columns) — while scopes of an
 * open session still see it, before and after an await.
 */
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { getDefaultSession, newSession, tensor as tt } from '../../../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc!;

/** Whether the object registered as `token` is finalized within a few collections (a WeakRef checked in between would keep it alive). */
async function collected(finalized: Set<string>, token: string): Promise<boolean> {
  for (let round = 0; round < 5 && !finalized.has(token); round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return finalized.has(token);
}

describe('session scopes', () => {
  it('do not keep a closed session alive through a long-lived port made inside one', async () => {
    const ports: MessageChannel[] = [];
    const finalized = new Set<string>();
    const registry = new FinalizationRegistry<string>((token) => finalized.add(token));
    const open = async (): Promise<void> => {
      const sess = newSession({ mode: 'lazy', executor: 'local', default: false });
      const held = new Float64Array(1 << 20);
      sess.on('chunks', () => held.length);
      sess.scope(() => {
        // Any async resource outliving the session would do: a worker's port, a timer, a socket.
        ports.push(new MessageChannel());
        return tt.ones([4]);
      });
      await sess.close();
      registry.register(sess, 'closed session');
    };
    try {
      await open();
      expect(await collected(finalized, 'closed session')).toBe(true);
    } finally {
      for (const p of ports) p.port1.close();
    }
  });

  it('still give an open session as the default, across awaits, and none once it closes', async () => {
    const sess = newSession({ mode: 'lazy', executor: 'local', default: false });
    await sess.scope(async () => {
      expect(getDefaultSession()).toBe(sess);
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(getDefaultSession()).toBe(sess);
      await sess.close();
      expect(getDefaultSession()).toBeUndefined();
    });
  });
});
