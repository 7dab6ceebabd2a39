/**
 * The dashboard's routes over HTTP: the page and its scripts need no token and carry no data; the DAG
 * routes answer the session's owner only (another token gets the very 404 of a missing id); the DAG
 * event stream follows runs and ends when the session goes or the server closes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor as tt } from '../../../src/index.js';
import { type ClientDag, clientDag, clientState, type ClientState, type DagModel } from '../../support/dashboardAssets.js';
import { type DashboardServer, startDashboardServer } from '../../support/dashboardServer.js';

const TOKEN = 'api-test-token';
const OTHER = 'api-other-token';
let server: DashboardServer;
let state: ClientState;
let dag: ClientDag;

beforeAll(async () => {
  server = await startDashboardServer([TOKEN, OTHER]);
  state = await clientState();
  dag = await clientDag();
});
afterAll(async () => {
  await server?.close();
});

const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

async function createSession(srv: DashboardServer, name: string): Promise<string> {
  const res = await fetch(`${srv.url}/v1/sessions`, {
    method: 'POST',
    headers: { ...auth(TOKEN), 'content-type': 'application/json' },
    body: JSON.stringify({ name, kind: 'interactive' }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as string[])[0]!;
}

/** Reads a DAG event stream as the page does, until `stop` says so or the stream ends. */
async function readDagEvents(url: string, token: string, stop: (model: DagModel, name: string) => boolean, onOpen?: () => void): Promise<{ model: DagModel | undefined; names: string[]; ended: boolean }> {
  const res = await fetch(url, { headers: auth(token) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  let model: DagModel | undefined;
  const names: string[] = [];
  let done = false;
  const push = state.createSseParser((name, data) => {
    names.push(name);
    const payload = JSON.parse(data) as unknown;
    if (name === 'snapshot') model = dag.createDagModel(payload);
    else if (model) dag.applyDagUpdate(model, payload);
    if (model && stop(model, name)) done = true;
  });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let opened = false;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) return { model, names, ended: true };
    push(chunk.value);
    if (!opened) {
      opened = true;
      onOpen?.();
    }
    if (done) {
      await reader.cancel();
      return { model, names, ended: false };
    }
  }
}

describe('dashboard routes', () => {
  it('serves the page and its scripts without a token', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/dashboard/app.js">');
    for (const name of ['app.js', 'state.js', 'dag.js']) {
      const res = await fetch(`${server.url}/dashboard/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect((await res.text()).length).toBeGreaterThan(500);
    }
  });

  it("answers a session's DAG to its owner only: no token 401, another token the 404 of a missing id", async () => {
    const id = await createSession(server, 'api-owner');
    for (const path of [`/v1/sessions/${id}/dag`, `/v1/sessions/${id}/dag/events`]) {
      expect((await fetch(server.url + path)).status).toBe(401);
      expect((await fetch(server.url + path, { headers: auth('wrong') })).status).toBe(401);
      const other = await fetch(server.url + path, { headers: auth(OTHER) });
      const missing = await fetch(server.url + path.replace(id, 'no-such-session'), { headers: auth(OTHER) });
      expect(other.status).toBe(404);
      expect(missing.status).toBe(404);
      expect((await other.text()).replace(id, 'ID')).toBe((await missing.text()).replace('no-such-session', 'ID'));
    }
    const idle = await fetch(`${server.url}/v1/sessions/${id}/dag`, { headers: auth(TOKEN) });
    expect(idle.status).toBe(200);
    expect(await idle.json()).toMatchObject({ run: 0, status: 'idle', nodes: [] });
  });

  it('streams a snapshot, then the run as it goes, and agrees with GET /dag at the end', async () => {
    const id = await createSession(server, 'api-stream');
    const engine = server.engine(id);
    const x = tt.arange(5000, undefined, undefined, { chunkSize: 100 }).add(2).sum();
    const seen = await readDagEvents(`${server.url}/v1/sessions/${id}/dag/events`, TOKEN, (m) => m.run === 1 && m.status === 'done', () => {
      void engine.run(x);
    });
    expect(seen.names[0]).toBe('snapshot');
    expect(seen.names).toContain('snapshot');
    const snap = (await (await fetch(`${server.url}/v1/sessions/${id}/dag`, { headers: auth(TOKEN) })).json()) as DagModel;
    expect(snap.status).toBe('done');
    expect(snap.totals).toEqual([0, 0, snap.chunks, 0]);
    expect(seen.model!.counts).toEqual(snap.counts);
    expect(seen.model!.nodes).toEqual(snap.nodes);
    expect(snap.store!.objects).toBeGreaterThan(0);
    expect(dag.describeRun(seen.model!)).toContain(`${snap.chunks} done`);
  });

  it('ends the stream when the session leaves the registry', async () => {
    const id = await createSession(server, 'api-removed');
    const seen = await readDagEvents(`${server.url}/v1/sessions/${id}/dag/events`, TOKEN, () => false, () => server.ctx.registry.remove(id));
    expect(seen.ended).toBe(true);
    expect(seen.names).toEqual(['snapshot']);
  });

  it('closes with dashboard streams open, ending them', async () => {
    const own = await startDashboardServer([TOKEN]);
    const id = await createSession(own, 'api-closing');
    let closing: Promise<void> | undefined;
    const seen = await readDagEvents(`${own.url}/v1/sessions/${id}/dag/events`, TOKEN, () => false, () => {
      closing = own.close();
    });
    expect(seen.ended).toBe(true);
    await closing;
  });
});
