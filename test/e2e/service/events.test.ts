/**
 * Live views over HTTP (issue 10 §2, §5, §7): `GET /v1/events` streams a snapshot and then the
 * registry's immer patches of the caller's sessions only; `/logs?follow=1` streams lines until the
 * session ends; and closing the server ends every open stream and connection, so a client gets an end
 * or an error instead of a hang.
 */
import { describe, expect, it } from 'vitest';
import { applyPatches, type Patch } from 'immer';
import type { SessionRecord } from '../../../src/service/server/registry.js';
import { MAX_UNREAD_BYTES } from '../../../src/service/server/liveStreams.js';
import { failOnUnhandledRejections } from '../../support/lifecycle.js';
import { TOKEN_A, TOKEN_B, api, hostedServers, until } from '../../support/hostedServer.js';

failOnUnhandledRejections();
const start = hostedServers();

/** Reads a streamed body piece by piece. */
class StreamReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  buffer = '';
  ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  /** Resolves once the text so far satisfies `ready` (or the stream ends). */
  async until(ready: (text: string) => boolean): Promise<string> {
    while (!ready(this.buffer) && !this.ended) {
      const { done, value } = await this.#reader.read();
      if (done) this.ended = true;
      else this.buffer += this.#decoder.decode(value, { stream: true });
    }
    return this.buffer;
  }

  async toEnd(): Promise<string> {
    return this.until(() => false);
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

interface ServerSentEvent {
  readonly event: string;
  readonly data: unknown;
}

function parseEvents(text: string): ServerSentEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [event, data] = block.split('\n');
      return { event: event!.slice('event: '.length), data: JSON.parse(data!.slice('data: '.length)) };
    });
}

async function open(url: string, token: string): Promise<{ res: Response; reader: StreamReader }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { res, reader: new StreamReader(res.body!) };
}

describe('GET /v1/events', () => {
  it("sends a snapshot of the caller's sessions, then immer patches of its own sessions only", async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const b = api(server, TOKEN_B);
    const [before] = await a.create({ name: 'before', kind: 'interactive', workers: 1 });
    await b.create({ name: 'theirs', kind: 'interactive', workers: 1 });
    const { res, reader } = await open(`${server.url}/v1/events`, TOKEN_A);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await reader.until((t) => parseEvents(t).length >= 1);
    const [snapshot] = parseEvents(reader.buffer);
    expect(snapshot!.event).toBe('snapshot');
    const state = snapshot!.data as { sessions: Record<string, SessionRecord> };
    expect(Object.keys(state.sessions)).toEqual([before]);
    expect(state.sessions[before!]).not.toHaveProperty('owner');

    const [later] = await a.create({ name: 'later', kind: 'interactive', workers: 1 });
    await b.create({ name: 'theirs-too', kind: 'interactive', workers: 1 });
    await a.delete(`/v1/sessions/${before}`);
    // The state the patches build on the client is the caller's part of the server's state.
    let mirrored = state;
    await reader.until((t) => {
      mirrored = parseEvents(t)
        .filter((e) => e.event === 'patch')
        .reduce((s, e) => applyPatches(s, e.data as Patch[]), state);
      return mirrored.sessions[before!] === undefined && mirrored.sessions[later!]?.status === 'Running';
    });
    expect(Object.keys(mirrored.sessions)).toEqual([later]);
    const { owner: _owner, ...expected } = server.ctx.registry.get(later!)!;
    expect(mirrored.sessions[later!]).toEqual(expected);
    expect(reader.buffer).not.toContain('theirs');
    await reader.cancel();
  });

  it('needs a token like every other route', async () => {
    const server = await start();
    expect((await fetch(`${server.url}/v1/events`)).status).toBe(401);
  });
});

describe('GET /v1/sessions/:id/logs?follow=1', () => {
  it('streams new lines as they are written and ends when the session ends', async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const [id] = await a.create({ name: 'logged', kind: 'interactive', workers: 1 });
    const journal = server.ctx.journalOf(id!);
    journal.log('first line\n');
    const { res, reader } = await open(`${server.url}/v1/sessions/${id}/logs?follow=1`, TOKEN_A);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    await reader.until((t) => t.includes('first line\n'));
    journal.log('second line\nthird line');
    await reader.until((t) => t.includes('third line\n'));
    expect((await a.delete(`/v1/sessions/${id}`)).status).toBe(204);
    expect(await reader.toEnd()).toBe('first line\nsecond line\nthird line\n');
  });

  it('drops a client that leaves more than MAX_UNREAD_BYTES unread, instead of buffering without end', async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const [id] = await a.create({ name: 'loud', kind: 'interactive', workers: 1 });
    const journal = server.ctx.journalOf(id!);
    const { reader } = await open(`${server.url}/v1/sessions/${id}/logs?follow=1`, TOKEN_A);
    journal.log('first line\n');
    await reader.until((t) => t.includes('first line\n'));
    // Written while the client reads nothing: twice the cap, and more than loopback's socket buffers hold.
    const line = 'x'.repeat(2 ** 20);
    const lines = (2 * MAX_UNREAD_BYTES) / 2 ** 20 + 16;
    for (let i = 0; i < lines; i++) journal.log(line);
    const received = await reader.toEnd().catch(() => reader.buffer);
    expect(received.length).toBeLessThan(lines * (line.length + 1));
    expect(server.ctx.registry.get(id!)?.status).toBe('Running');
  });

  it('refuses an unknown follow value', async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const [id] = await a.create({ name: 'logged', kind: 'interactive', workers: 1 });
    expect(await a.get(`/v1/sessions/${id}/logs?follow=always`)).toMatchObject({ status: 400, body: { error: { field: 'follow' } } });
  });
});

describe('closing the server (a restart, as a client sees it)', () => {
  it('ends open event and log streams and refuses new connections, so no client hangs', async () => {
    const server = await start();
    const [id] = await api(server, TOKEN_A).create({ name: 'open', kind: 'interactive', workers: 1 });
    const events = await open(`${server.url}/v1/events`, TOKEN_A);
    const logs = await open(`${server.url}/v1/sessions/${id}/logs?follow=1`, TOKEN_A);
    await events.reader.until((t) => t.includes('event: snapshot'));
    await server.close();
    await until(server.ctx.registry, (s) => Object.keys(s.sessions).length === 0);
    // Each stream ends, cleanly or with a connection error: either way the client is told.
    for (const stream of [events.reader, logs.reader]) {
      await stream.toEnd().catch(() => undefined);
    }
    await expect(fetch(`${server.url}/v1/stats`, { headers: { authorization: `Bearer ${TOKEN_A}` } })).rejects.toThrow(/fetch failed/);
  });
});
