/**
 * A tiny stand-in for the server's session API (issue 10 §2), for testing `tessera sessions` before
 * the real server exists: it records every request and answers from a fixed set of sessions — `a`
 * (headless, Running, with events), `b` (interactive, Pending, no events), `done` (Completed: renew is
 * a 409). Create of a session named `flaky` answers 207: the last replica failed (the server could not
 * create it); the token is `good`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

export const TOKEN = 'good';

const SESSIONS = [
  { id: 'a', name: 'batch-1', kind: 'headless', status: 'Running', workers: 2, memoryRequested: '1Gi', startTime: '2025-01-01T00:00:00.000Z', expiryTime: '2025-01-01T01:00:00.000Z', dag: { runs: 3, chunksDone: 12 } },
  { id: 'b', name: 'notebook', kind: 'interactive', status: 'Pending', workers: 1, memoryRequested: '512Mi', startTime: '2025-01-01T00:05:00.000Z', expiryTime: '2025-01-01T01:05:00.000Z', dag: { runs: 0, chunksDone: 0 } },
  { id: 'done', name: 'batch-2', kind: 'headless', status: 'Completed', workers: 1, memoryRequested: '1Gi', startTime: '2025-01-01T00:00:00.000Z', expiryTime: '2025-01-01T01:00:00.000Z', dag: { runs: 1, chunksDone: 4 } },
];

const EVENTS: Record<string, object[]> = {
  a: [
    { time: '2025-01-01T00:00:01.000Z', type: 'Started', message: 'Process 42 runs job.mjs' },
    { time: '2025-01-01T00:00:02.000Z', type: 'ModuleLoaded', message: 'job.mjs loaded' },
  ],
  b: [],
  done: [],
};

export interface FakeServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const notFound = (res: ServerResponse, id: string): void => send(res, 404, { statusCode: 404, error: 'Not Found', message: `Session ${id} not found.` });

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text === '' ? undefined : JSON.parse(text);
}

function route(r: RecordedRequest, res: ServerResponse): void {
  const find = (id: string) => SESSIONS.find((s) => s.id === id);
  const m = /^\/v1\/sessions\/([^/]+)(\/events|\/logs|\/renew)?$/.exec(r.path);
  if (r.path === '/v1/sessions' && r.method === 'POST') {
    const { name, replicas = 1 } = r.body as { name: string; replicas?: number };
    const ids = Array.from({ length: replicas }, (_, i) => `id-${replicas === 1 ? name : `${name}-${i + 1}`}`);
    if (name === 'flaky') send(res, 207, { ids: ids.slice(0, -1), errors: [{ replica: replicas, code: 'HeadlessHostError', message: 'the child would not start' }] });
    else send(res, 201, ids);
  } else if (r.path === '/v1/sessions' && r.method === 'GET') {
    send(res, 200, SESSIONS.filter((s) => (!r.query.kind || s.kind === r.query.kind) && (!r.query.status || s.status === r.query.status)));
  } else if (r.path === '/v1/sessions' && r.method === 'DELETE') {
    if (Object.keys(r.query).length === 0) send(res, 400, { statusCode: 400, error: 'Bad Request', message: 'Cannot kill all sessions.' });
    else send(res, 200, Object.fromEntries(SESSIONS.filter((s) => s.name.startsWith(r.query.prefix ?? '')).map((s) => [s.id, s.id !== 'done'])));
  } else if (r.path === '/v1/stats') {
    send(res, 200, { sessions: { headless: { Running: 1, Completed: 1 }, interactive: { Pending: 1 } }, workers: 4, memory: { used: 1024, limit: 4096 } });
  } else if (m) {
    const [, id, tail] = m as unknown as [string, string, string | undefined];
    const session = find(id);
    if (!session) return notFound(res, id);
    if (r.method === 'DELETE' && tail === undefined) return send(res, 204);
    if (r.method === 'GET' && tail === undefined) return send(res, 200, session);
    if (r.method === 'GET' && tail === '/events') return send(res, 200, EVENTS[id]);
    if (r.method === 'POST' && tail === '/renew') {
      if (session.status === 'Completed') return send(res, 409, { statusCode: 409, error: 'Conflict', message: `Session ${id} has finished; it cannot be renewed.` });
      return send(res, 200, { ...session, expiryTime: '2025-01-01T02:00:00.000Z' });
    }
    if (r.method === 'GET' && tail === '/logs') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.write('line one\n');
      if (r.query.follow !== '1') return void res.end('line two\n');
      // Following: the rest comes in later writes, as a live log does, and ends when the session does.
      setImmediate(() => {
        res.write('line two, ');
        setImmediate(() => res.end('written later\n'));
      });
      return;
    }
    send(res, 405, { message: 'no such route' });
  } else {
    send(res, 404, { message: 'no such route' });
  }
}

export async function startFakeServer(): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const r: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: req.headers.authorization,
        body: await readBody(req),
      };
      requests.push(r);
      if (r.authorization !== `Bearer ${TOKEN}`) send(res, 401, { statusCode: 401, error: 'Unauthorized', message: 'Missing or invalid bearer token.' });
      else route(r, res);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        // fetch keeps its connections alive; close would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}
