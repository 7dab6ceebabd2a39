/**
 * When the server is the problem, a remote session says so with a typed error and never hangs: nothing
 * listening (ServerUnreachable), a server that accepts and never answers (ServerUnreachable once the
 * request timeout passes), a server that restarted and no longer has the session (RemoteSessionLost), a
 * connection cut in the middle of a run, a token the server does not accept. Closing still works when
 * the server is gone, and later uses say the session is closed.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  type NdArray, newSession, type ProgressEvent, RemoteSessionLostError, SessionClosedError, ServerUnreachableError, tensor as tt,
} from '../../src/index.js';
import { settles } from '../support/events.js';
import { failOnUnhandledRejections } from '../support/lifecycle.js';
import { startTestServer } from '../support/remoteServer.js';

const values = (a: unknown): number[] => Array.from((a as NdArray).data);

failOnUnhandledRejections();

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await settles(p, 'the request to fail');
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

/** A port nothing listens on (a server was there a moment ago). */
async function freePort(): Promise<number> {
  const server = await startTestServer();
  const port = server.port;
  await server.close();
  return port;
}

describe('a server that is not there', () => {
  it('nothing listening: ServerUnreachable, and close still works', async () => {
    const s = newSession({ address: `http://127.0.0.1:${await freePort()}`, token: 't1', mode: 'lazy', default: false });
    const e = await rejection(s.run(tt.arange(3)));
    expect(e).toBeInstanceOf(ServerUnreachableError);
    expect(e.message).toContain('ECONNREFUSED');
    await s.close();
    expect((await rejection(s.run(tt.arange(3))))).toBeInstanceOf(SessionClosedError);
  });

  it('a server that accepts and never answers: ServerUnreachable after the request timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const s = newSession({ address: `http://127.0.0.1:${port}`, token: 't1', mode: 'lazy', default: false, requestTimeout: 300 });
    try {
      const e = await rejection(s.run(tt.arange(3)));
      expect(e).toBeInstanceOf(ServerUnreachableError);
      expect(e.message).toContain('no answer within 300 ms');
    } finally {
      await s.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('a token the server does not accept: the first use says Unauthorized; an unused session reports nothing', async () => {
    const server = await startTestServer();
    try {
      const unused = newSession({ address: server.address, token: 'wrong', default: false });
      const s = newSession({ address: server.address, token: 'wrong', mode: 'lazy', default: false });
      const e = await rejection(s.run(tt.arange(3)));
      expect(e.code).toBe('Unauthorized');
      await Promise.all([s.close(), unused.close()]);
    } finally {
      await server.close();
    }
  });
});

describe('a run longer than the request timeout', () => {
  it('is not cut: the server answers at once and the result streams when ready', async () => {
    const server = await startTestServer();
    const s = newSession({ address: server.address, token: 't1', mode: 'lazy', default: false, requestTimeout: 400 });
    try {
      // Several request timeouts of work (157M square roots, 1-2 s here; 100 ms timeouts failed when
      // the loaded machine took that long to answer at all), in chunks big enough for the pool's threads,
      // so the server stays free to answer; no progress listener: nothing is sent while it runs but the
      // answer's start.
      const slow = tt.ones([4 * 65_536], { chunkSize: 65_536 }).map((v) => {
        let x = v;
        for (let i = 0; i < 600; i++) x = Math.sqrt(x + i) % 5;
        return x;
      }).sum();
      const v = (await s.run(slow)) as NdArray;
      expect(Number.isFinite(v.item())).toBe(true);
    } finally {
      await s.close();
      await server.close();
    }
  });
});

describe('a server that restarted', () => {
  it('no longer has the session: RemoteSessionLost naming it, not a hang', async () => {
    const first = await startTestServer();
    const port = first.port;
    const s = newSession({ address: first.address, token: 't1', mode: 'lazy', default: false });
    try {
      expect(values(await s.run(tt.arange(3)))).toEqual([0, 1, 2]);
      await first.close({ keepDataDir: true });
      const second = await startTestServer({ port });
      try {
        const e = await rejection(s.run(tt.arange(4)));
        expect(e).toBeInstanceOf(RemoteSessionLostError);
        expect(e.message).toContain(s.id);
        // A new session on the restarted server works.
        const fresh = newSession({ address: second.address, token: 't1', mode: 'lazy', default: false });
        expect(values(await fresh.run(tt.arange(2)))).toEqual([0, 1]);
        await fresh.close();
      } finally {
        await second.close();
      }
    } finally {
      await s.close();
    }
  });

  it('a connection cut in the middle of a run: ServerUnreachable, not a hang', async () => {
    const server = await startTestServer();
    const s = newSession({ address: server.address, token: 't1', mode: 'lazy', default: false });
    try {
      s.on('progress', (e: ProgressEvent) => {
        if (e.done === 1) server.app.server.closeAllConnections();
      });
      const slow = tt.ones([200], { chunkSize: 1 }).map((v) => {
        let x = v;
        for (let i = 0; i < 1e5; i++) x = Math.sqrt(x + i) % 5;
        return x;
      }).sum();
      const e = await rejection(s.run(slow));
      expect(e).toBeInstanceOf(ServerUnreachableError);
    } finally {
      await s.close();
      await server.close();
    }
  });
});
