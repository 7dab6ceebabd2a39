/**
 * The server's side of one remote session: the nodes its client sent (by the key the client knows them
 * by), the results the client holds, and the streams its progress events go out on. A client's handles
 * hold results on the server through `held` (the engine session's holder of a result is its node, kept
 * here); when the client's handles are gone it says `release`, and when no object of its own can name a
 * key any more it says `forget`, and the node leaves the table. Also here: who the caller is, and how
 * an error becomes a response.
 */
import type { FastifyReply } from 'fastify';
import { errorToData, type ErrorData } from '../../../base/errors.js';
import { logEngine } from '../../../base/log.js';
import type { TileableNode } from '../../../dag/nodes.js';
import type { ProgressEvent, RunStats, Session } from '../../../session/index.js';
import { malformed, WireError } from '../../wire/errors.js';
import { encodeFrame, streamChunks } from '../../wire/frame.js';
import { rebuildNodes } from '../../wire/nodes.js';
import type { ServerContext } from '../context.js';
import type { HandoffPool } from '../handoffPool.js';
import { toRemoteErrorReply } from '../errorReply.js';

/** The caller of an authenticated request, as the auth hook recorded it. */

/** An error as data for a client: its class, code, message and fields, never the server's stack. */
export function clientError(e: unknown): ErrorData {
  const data = errorToData(e);
  return { ...data, stack: `${data.name}: ${data.message}\n    at <remote session>` };
}

/** Answers as every route does (errorReply.ts), with the error's `name` and `props` for the client to rebuild it. */
export function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  const { status, body } = toRemoteErrorReply(e);
  if (status >= 500) logEngine('error', `${reply.request.method} ${reply.request.url} failed: ${(e as Error)?.stack ?? String(e)}`, { code: 'TESSERA_SERVER_ERROR' });
  return reply.code(status).type('application/json').send(body);
}

export type EventType = 'progress' | 'run';

/** A client gives a run up as soon as it sees why; only its last few runs can still be undone. */
const RECENT_RUNS = 64;
type Sink = { readonly types: ReadonlySet<EventType>; readonly write: (frame: unknown) => void };

export class RemoteHost {
  readonly engine: Session;
  readonly #nodes = new Map<string, TileableNode>();
  readonly #held = new Map<string, TileableNode>();
  readonly #sinks: Sink[] = [];
  /** Runs still going, so a client that gave one up can wait until it has really ended. */
  readonly #runs = new Map<object, { readonly id: unknown; readonly done: Promise<unknown>; readonly abort: AbortController }>();
  /** What recent runs made the client hold, by the client's run id: a run it gives up late is undone. */
  readonly #recent = new Map<unknown, readonly string[]>();
  readonly #onProgress = (event: ProgressEvent): void => this.#forward('progress', { type: 'progress', event });
  readonly #onRun = (stats: RunStats): void => this.#forward('run', { type: 'run', stats });
  /** Takes back the hand-off files the client has read (handoffPool.ts). */
  readonly #giveBack: (names: readonly string[]) => void;

  constructor(engine: Session, giveBack: (names: readonly string[]) => void = () => {}) {
    this.engine = engine;
    this.#giveBack = giveBack;
    engine.on('progress', this.#onProgress);
    engine.on('run', this.#onRun);
  }

  detach(): void {
    this.engine.off('progress', this.#onProgress);
    this.engine.off('run', this.#onRun);
    this.#nodes.clear();
    this.#held.clear();
  }

  lookup(key: string): TileableNode | undefined {
    return this.#nodes.get(key) ?? this.#held.get(key);
  }

  node(key: unknown): TileableNode {
    const node = typeof key === 'string' ? this.lookup(key) : undefined;
    if (!node) throw new WireError('UnknownInput', `the session holds no node ${String(key)}: send it with the request.`, { missing: [String(key)] });
    return node;
  }

  /** The releases, forgets and read hand-off files a request carries, applied before anything else it asks. */
  update(body: { readonly release?: unknown; readonly forget?: unknown; readonly handoffDone?: unknown }): void {
    const done = list(body.handoffDone, 'handoffDone');
    if (!done.every((name) => typeof name === 'string')) throw malformed('handoffDone must be a list of file names.');
    this.#giveBack(done as string[]);
    for (const entry of list(body.release, 'release')) {
      const [key, keepCached] = Array.isArray(entry) ? entry : [entry, false];
      const node = this.#held.get(String(key));
      if (!node) continue;
      this.#held.delete(String(key));
      this.engine.release(node, { keepCached: keepCached === true });
    }
    for (const key of list(body.forget, 'forget')) this.#nodes.delete(String(key));
  }

  rebuild(nodes: unknown, ctx: ServerContext): void {
    if (nodes === undefined) return;
    // An error naming a file inside the data directory is rewritten by remoteHandler, which calls this.
    const built = rebuildNodes(nodes, {
      lookup: (k) => this.lookup(k),
      allowUserCode: ctx.options.allowUserCode,
      resolvePath: (p) => ctx.resolveDataPath(p),
    });
    for (const [key, node] of built) this.#nodes.set(key, node);
  }

  /** Counts a run (the client's id for it, and how to abort it) as going until it settles. */
  track<T>(id: unknown, abort: AbortController, run: Promise<T>): Promise<T> {
    const token = {};
    this.#runs.set(token, { id, done: run, abort });
    void run.finally(() => this.#runs.delete(token)).catch(() => undefined);
    return run;
  }

  /**
   * Aborts the runs the client gave up (it may say so before this server noticed its request close),
   * then resolves when every run going now has ended and cleaned up after itself.
   */
  async settled(cancel: readonly unknown[]): Promise<void> {
    const runs = [...this.#runs.values()];
    for (const r of runs) if (cancel.includes(r.id)) r.abort.abort();
    await Promise.allSettled(runs.map((r) => r.done));
    for (const id of cancel) {
      const made = this.#recent.get(id);
      this.#recent.delete(id);
      // The run ended before the client's cancel arrived: what it made is not the client's.
      if (made) this.update({ release: [...made] });
    }
  }

  /** A finished run made the client hold `keys` (remembered for the last few runs only). */
  finished(id: unknown, keys: readonly string[]): void {
    if (id === undefined || keys.length === 0) return;
    this.#recent.set(id, keys);
    if (this.#recent.size > RECENT_RUNS) this.#recent.delete(this.#recent.keys().next().value);
  }

  held(key: string): boolean {
    return this.#held.has(key);
  }

  /** The client holds `key`'s result from now on. */
  hold(key: string, node: TileableNode): void {
    this.#held.set(key, node);
  }

  /** Progress and run events go to the oldest open stream that asked for them, so a client sees each once. */
  subscribe(types: ReadonlySet<EventType>, write: (frame: unknown) => void): () => void {
    const sink: Sink = { types, write };
    this.#sinks.push(sink);
    return () => {
      const i = this.#sinks.indexOf(sink);
      if (i >= 0) this.#sinks.splice(i, 1);
    };
  }

  #forward(type: EventType, frame: unknown): void {
    const sink = this.#sinks.find((s) => s.types.has(type));
    if (!sink) return;
    try {
      sink.write(frame);
    } catch {
      // A stream that broke is the client's loss; the run goes on.
    }
  }
}

/** Frames up to this size go out as one write: each write of a stream is a chunk, a syscall and possibly a packet. */
const ONE_WRITE_BYTES = 1 << 20;

/** Writes a frame to a run's stream; with `last`, ends the stream with it. */
export function writeFrame(out: NodeJS.WritableStream, frame: unknown, last = false): void {
  const encoded = encodeFrame(frame);
  const chunks = streamChunks(encoded);
  if (encoded.byteLength <= ONE_WRITE_BYTES) {
    const joined = Buffer.concat(chunks);
    if (last) out.end(joined);
    else out.write(joined);
    return;
  }
  for (const chunk of chunks) out.write(chunk);
  if (last) out.end();
}

function list(value: unknown, field: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw malformed(`${field} must be a list of keys.`);
  return value;
}

/** One host per hosted session, dropped when its engine session closes. */
export class RemoteHosts {
  readonly #hosts = new Map<string, RemoteHost>();
  readonly #handoffs: HandoffPool | undefined;

  /** `handoffs`: the server's hand-off files, which sessions' clients give back with their requests. */
  constructor(handoffs?: HandoffPool) {
    this.#handoffs = handoffs;
  }

  of(id: string, engine: Session): RemoteHost {
    let host = this.#hosts.get(id);
    if (host && host.engine !== engine) {
      host.detach();
      host = undefined;
    }
    if (!host) {
      const created = new RemoteHost(engine, (names) => this.#handoffs?.giveBack(id, names));
      this.#hosts.set(id, created);
      engine.once('close', () => {
        created.detach();
        if (this.#hosts.get(id) === created) this.#hosts.delete(id);
      });
      host = created;
    }
    return host;
  }
}
