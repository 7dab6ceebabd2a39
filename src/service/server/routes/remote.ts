/**
 * Remote execution: the routes a remote session (service/client/) drives, under `/v1/sessions/:id/remote`.
 * Every request names its hosted session (which marks its client alive), may carry the client's
 * releases and forgets, and may carry the nodes it needs that the server does not hold yet (wire
 * frames, rebuilt through the op builders before anything runs — a bad DAG is a 4xx and nothing runs).
 *
 * - `POST /run` runs targets (as an eager batch, or as one lazy run) and streams frames back: progress
 *   and run events as they happen, then `done` with per-target errors or the run's failure, the values
 *   asked for, and the session's info. Closing the request aborts the run.
 * - `POST /fetch` answers one value: raw tensor bytes, Arrow IPC or a frame (wire/values.ts), or for a
 *   client on this host a shared-memory hand-off (remoteFetch.ts); `GET /v1/handoff` tells where.
 * - `POST /sync` (releases, heartbeat) and `GET /info`: the session's info as JSON.
 * - `POST /infos`, `POST /persist`, `POST /named`: fetchInfos, persist and getNamed.
 * Store routes are in remoteStore.ts, the chunk-graph executor in remoteChunks.ts.
 */
import { PassThrough, Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorData } from '../../../base/errors.js';
import type { TileableNode } from '../../../dag/nodes.js';
import type { Session } from '../../../session/index.js';
import { malformed } from '../../wire/errors.js';
import { decodeFrame, encodeFrame, streamChunks } from '../../wire/frame.js';
import { encodeValue, FRAME_TYPE, STREAM_TYPE } from '../../wire/values.js';
import type { ServerContext } from '../context.js';
import { withOwnerPrefixHidden } from '../objectOwners.js';
import { withDataDirHidden } from '../paths.js';
import { remoteChunkRoutes } from './remoteChunks.js';
import { callerOf } from '../auth.js';
import { clientError, type EventType, type RemoteHost, RemoteHosts, sendError, writeFrame } from './remoteHost.js';
import { HandoffDir } from '../handoff.js';
import { sendResult } from './remoteFetch.js';
import { frameRoute, handoffRoute, infoRoute } from './remoteSchemas.js';
import { remoteStoreRoutes } from './remoteStore.js';

/** Requests may carry big inline data (tensor literals, graph columns). */
const BODY_LIMIT = 1024 ** 3;

export interface RemoteRequest {
  readonly id: string;
  readonly owner: string;
  readonly host: RemoteHost;
  readonly engine: Session;
  readonly body: Record<string, unknown>;
  /** An error as the client may see it: files inside the data directory named as the client named them (paths.ts). */
  readonly clientSide: <E>(e: E) => E;
}

/** Wraps a route: finds the caller's session and host, applies the body's releases and nodes; errors become responses. */
export function remoteHandler(
  ctx: ServerContext,
  hosts: RemoteHosts,
  handle: (r: RemoteRequest, reply: FastifyReply, request: FastifyRequest) => Promise<unknown>,
): (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> {
  return async (request, reply) => {
    let owner: string | undefined;
    // Catalog names carry the owner's prefix (objectOwners.ts); the client named them without it.
    const clientSide = <E>(e: E): E => withOwnerPrefixHidden(owner, withDataDirHidden(ctx.options.dataDir, e));
    try {
      const { id } = request.params as { id: string };
      const caller = callerOf(request);
      owner = caller.owner;
      const engine = ctx.engineSessionFor(caller, id);
      ctx.touch(id);
      const host = hosts.of(id, engine);
      const body = bodyOf(request);
      host.update(body);
      host.rebuild(body['nodes'], ctx);
      return await handle({ id, owner: caller.owner, host, engine, body, clientSide }, reply, request);
    } catch (e) {
      return sendError(reply, clientSide(e));
    }
  };
}

function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const raw = request.body;
  if (raw === undefined || raw === null) return {};
  const value = Buffer.isBuffer(raw) ? decodeFrame(raw) : raw;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('the request body must be an object.');
  return value as Record<string, unknown>;
}

export function keysOf(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((k) => typeof k === 'string')) throw malformed(`${field} must be a list of keys.`);
  return value;
}

export function infoOf(id: string, engine: Session): Record<string, unknown> {
  return { ...engine.info, id };
}

/** Sends a value (or a frame) as the response body without copying a tensor's bytes. */
export function sendValue(reply: FastifyReply, value: unknown): FastifyReply {
  const body = encodeValue(value);
  reply.type(body.contentType).headers(body.headers);
  const chunks = body.chunks;
  return reply.send(chunks.length === 1 ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength) : Readable.from(chunks));
}

export function sendFrame(reply: FastifyReply, value: unknown): FastifyReply {
  return reply.type(FRAME_TYPE).send(Readable.from(encodeFrame(value).chunks));
}

interface Done {
  readonly type: 'done';
  readonly errors: Record<string, ErrorData>;
  readonly failure?: ErrorData;
  readonly values: Record<string, unknown>;
  readonly info: Record<string, unknown>;
}

async function runTargets(r: RemoteRequest, targets: readonly [string, TileableNode][], signal: AbortSignal): Promise<Done> {
  const { host, engine, body } = r;
  const errors: Record<string, ErrorData> = {};
  const values: Record<string, unknown> = {};
  let failure: ErrorData | undefined;
  const heldBefore = new Set(targets.filter(([key]) => host.held(key)).map(([key]) => key));
  try {
    if (body['eager'] === true) {
      // One synchronous stretch: the engine runs these submissions as one batch, failures per node.
      const statuses = targets.map(([, node]) => {
        engine.track(node, node);
        return engine.submitEager(node);
      });
      const settled = await Promise.allSettled(statuses);
      settled.forEach((s, i) => {
        const [key, node] = targets[i]!;
        if (s.status === 'rejected') errors[key] = clientError(r.clientSide(s.reason));
        else host.hold(key, node);
      });
    } else {
      await engine.execute(targets.map(([, node]) => node), { signal });
      for (const [key, node] of targets) host.hold(key, node);
    }
    for (const key of keysOf(body['fetch'], 'fetch')) {
      if (errors[key] === undefined) values[key] = await engine.fetch(host.node(key));
    }
  } catch (e) {
    failure = clientError(r.clientSide(e));
  }
  const made = targets.filter(([key]) => !heldBefore.has(key) && host.held(key)).map(([key]) => key);
  // The client gave the run up and will never hold what it made: nothing of it stays.
  if (signal.aborted) host.update({ release: made });
  else host.finished(body['run'], made);
  return { type: 'done', errors, ...(failure ? { failure } : {}), values, info: infoOf(r.id, engine) };
}

/**
 * A run's answer: frames in one body. A quick run answers with its result alone, in one write; a run
 * that is still going after half the time its client waits for an answer to start (at most a second;
 * at once when `answerWithin` is 0), or that has events to send, turns into a stream that starts with
 * a `start` frame — so a long run is never timed out, and a short one costs no extra packets.
 */
export class RunAnswer {
  readonly #reply: FastifyReply;
  #out: PassThrough | undefined;
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(reply: FastifyReply, answerWithin: unknown) {
    this.#reply = reply;
    const ms = typeof answerWithin === 'number' && answerWithin >= 0 ? Math.min(1000, answerWithin / 2) : 1000;
    if (ms === 0) this.#stream();
    else this.#timer = setTimeout(() => this.#stream(), ms);
  }

  /** Sends a frame now (turning the answer into a stream). */
  write(frame: unknown): void {
    writeFrame(this.#stream(), frame);
  }

  /** The last frame: the result. */
  finish(frame: unknown): void {
    clearTimeout(this.#timer);
    if (this.#out) writeFrame(this.#out, frame, true);
    else void this.#reply.type(STREAM_TYPE).send(Buffer.concat(streamChunks(encodeFrame(frame))));
  }

  #stream(): PassThrough {
    if (!this.#out) {
      this.#out = new PassThrough();
      void this.#reply.type(STREAM_TYPE).send(this.#out);
      writeFrame(this.#out, { type: 'start' });
    }
    return this.#out;
  }
}

export async function remoteRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  app.addContentTypeParser(FRAME_TYPE, { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));
  // A client on this host reads big results from shared memory (handoff.ts); its requests give back
  // the files it has read. The files go after danglingTimeout unused, with their session, or when the
  // server closes.
  const handoff = HandoffDir.open(ctx.options.danglingTimeout * 1000);
  app.addHook('onClose', async () => handoff?.close());
  const hosts = new RemoteHosts(handoff?.pool);
  const owners = ctx.owners;
  const base = '/v1/sessions/:id/remote';

  app.post(
    `${base}/run`,
    frameRoute('Run targets', 'Runs `targets` (as an eager batch with `eager`, else one lazy run), sending the nodes they need; `fetch` asks for values, `events` for progress/run events. Closing the request aborts the run.', 'a stream of frames'),
    remoteHandler(ctx, hosts, async (r, reply) => {
      const targets = keysOf(r.body['targets'], 'targets').map((k) => [k, r.host.node(k)] as [string, TileableNode]);
      keysOf(r.body['fetch'], 'fetch').forEach((k) => r.host.node(k));
      const events = new Set(keysOf(r.body['events'], 'events').filter((e): e is EventType => e === 'progress' || e === 'run'));
      const abort = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      // An eager batch is small and waited on op by op: it answers with its result alone when quick. A
      // lazy run starts its stream at once (its server may be too busy running it to start one later).
      const answer = new RunAnswer(reply, r.body['eager'] === true ? r.body['answerWithin'] : 0);
      const unsubscribe = events.size > 0 ? r.host.subscribe(events, (frame) => answer.write(frame)) : () => {};
      void r.host.track(r.body['run'], abort, runTargets(r, targets, abort.signal)).then((done) => {
        unsubscribe();
        try {
          answer.finish(done);
        } catch (e) {
          answer.finish({ ...done, values: {}, failure: clientError(e) });
        }
      });
      return reply;
    }),
  );

  app.get('/v1/handoff', handoffRoute(), async () => (handoff ? { dir: handoff.dir, probe: handoff.probe } : {}));
  app.post(
    `${base}/fetch`,
    frameRoute('Fetch a value', 'The value of `key` (an executed result, or a slice of one); a client on this host that sends the hand-off secret gets a big one through shared memory.', 'raw tensor bytes, Arrow IPC, a frame, or a hand-off'),
    remoteHandler(ctx, hosts, async (r, reply, request) => sendResult(r, reply, request, handoff)),
  );

  app.post(
    `${base}/sync`,
    frameRoute('Sync', 'Applies releases (the heartbeat carries them); with `settle`, aborts the runs in `cancel` and waits for every run to end.', 'the session info (JSON)'),
    remoteHandler(ctx, hosts, async (r, reply) => {
      if (r.body['settle'] === true) await r.host.settled(Array.isArray(r.body['cancel']) ? r.body['cancel'] : []);
      return reply.send(infoOf(r.id, r.engine));
    }),
  );
  app.get(`${base}/info`, infoRoute('Remote session info'), remoteHandler(ctx, hosts, async (r, reply) => reply.send(infoOf(r.id, r.engine))));

  app.post(
    `${base}/infos`,
    frameRoute('Fetch infos', 'Where the chunks of the executed result `key` are (Mars\'s fetch_infos); `fields` picks fields.'),
    remoteHandler(ctx, hosts, async (r, reply) => {
      const fields = r.body['fields'];
      const infos = await r.engine.fetchInfos(r.host.node(r.body['key']), fields === undefined ? {} : { fields: keysOf(fields, 'fields') as never });
      return sendFrame(reply, infos);
    }),
  );

  app.post(
    `${base}/persist`,
    frameRoute('Persist a result', 'Persists the executed result `key`, optionally under `name` (the token\'s own namespace).', '{id}'),
    remoteHandler(ctx, hosts, async (r, reply) => {
      const name = r.body['name'];
      if (name !== undefined && typeof name !== 'string') throw malformed('name must be a string.');
      const id = await r.engine.persist(r.host.node(r.body['key']), {
        ...(name !== undefined ? { name: owners.name(r.owner, name) } : {}),
        ...(r.body['overwrite'] === true ? { overwrite: true } : {}),
      });
      owners.record(r.owner, id, r.engine.store);
      return reply.send({ id });
    }),
  );

  app.post(
    `${base}/named`,
    frameRoute('Get a named result', 'The result persisted under `name` by a session of this token (waiting with `wait`): data as its value, a graph or context as nodes the session holds.'),
    remoteHandler(ctx, hosts, async (r, reply) => {
      const name = r.body['name'];
      if (typeof name !== 'string') throw malformed('name must be a string.');
      const abort = new AbortController();
      reply.raw.on('close', () => abort.abort());
      const wait = r.body['wait'] === true;
      const timeoutMs = r.body['timeoutMs'];
      const value = await r.engine.getNamed(owners.name(r.owner, name), {
        wait,
        ...(typeof timeoutMs === 'number' ? { timeoutMs } : {}),
        signal: abort.signal,
      });
      const node = (value as { node?: TileableNode }).node;
      if (node?.kind !== 'tileable') return sendValue(reply, { kind: 'data', value });
      // A graph or a context: the client gets a handle whose node the session holds by key.
      const described = [...node.inputs, node].map((n) => {
        r.host.hold(n.key, n);
        return { key: n.key, meta: n.meta };
      });
      return sendFrame(reply, { kind: 'handle', nodes: described });
    }),
  );

  await remoteStoreRoutes(app, ctx, hosts, owners);
  await remoteChunkRoutes(app, ctx, hosts);
}
