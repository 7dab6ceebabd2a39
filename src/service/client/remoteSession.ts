/**
 * `RemoteSession`: a session hosted by `tessera serve`, driven from this process with the behaviour of
 * a local one (DESIGN §1, §8). Handles are built here; what a run needs travels as plain data (wire/);
 * results come back as raw bytes. Eager mode batches the ops built in one synchronous stretch into one
 * request (a fetch asked for before the batch leaves rides along with it: one round trip per eager op);
 * lazy `run` executes and fetches in one request. Progress and run events stream back while a run goes.
 *
 * Mars's and GraphScope's texts hold here too: fetching what this session never executed fails with
 * `Cannot fetch unexecuted tileable: <repr>` before any request; any use after `close` with `Attempted
 * to use a closed Session.` Cancelling (`execute({ signal })`, closing, a throwing listener) aborts the
 * request, which aborts the run on the server. Results are held on the server while a handle here holds
 * them (holders.ts, as locally); the client says it is alive every `danglingTimeout / 3` on an unref'd
 * timer, so a script that closes its session exits, and one that dies is cleaned up by the server.
 */
import { EventEmitter } from 'node:events';
import { type RecordBatch, Table } from 'apache-arrow';
import { optionsObject } from '../../base/args.js';
import { CancelledError, InvalidArgumentError, type ErrorData, SessionClosedError, UnexecutedError, attachBuildSite } from '../../base/errors.js';
import type { TypedArray } from '../../base/dtypes.js';
import { NdArray } from '../../base/ndarray.js';
import { Context, Graph } from '../../api/graph.js';
import { g as emptyGraph, type GraphOptions } from '../../api/graphNs.js';
import { ListenerError } from '../../base/runErrors.js';
import { show } from '../../base/show.js';
import type { TileableNode } from '../../dag/nodes.js';
import { reprNode } from '../../dag/repr.js';
import type { AssembleOptions } from '../../ops/assemble.js';
import { persistedNode } from '../../ops/graph/index.js';
import { placedInto } from '../../ops/tensor/into.js';
import type { LdbcDescription } from '../../kernels/graph/ldbcSpec.js';
import type { ServerFileNode } from '../../ops/graph/sources.js';
import type { ChunkInfo } from '../../store/chunkView.js';
import { endScopes, isProcessDefault, runWithDefault, setProcessDefault } from '../../session/defaults.js';
import { EagerBatcher } from '../../session/eager.js';
import { HolderTracker } from '../../session/holders.js';
import { type ExecuteOptions, type Fetchable, nodeOf, noteHeld, type SessionInfo, SESSION_BRAND, type SessionLike } from '../../session/index.js';
import { checkName, runOptions, untilAborted } from '../../session/sessionArgs.js';
import { decodeFrame } from '../wire/frame.js';
import { decodeValue } from '../wire/values.js';
import { Channel } from './channel.js';
import { rebuildError } from './errors.js';
import { ValueFetcher } from './fetchValue.js';
import { Connection } from './http.js';
import { type RemoteSessionOptions, type ResolvedRemoteOptions, resolveRemoteOptions } from './options.js';
import { RemoteStore } from './remoteStore.js';
import { describeRemoteFrameFile, describeRemoteLdbc } from './remoteFiles.js';

interface Done {
  readonly type: 'done';
  readonly errors: Readonly<Record<string, ErrorData>>;
  readonly failure?: ErrorData;
  readonly values: Readonly<Record<string, unknown>>;
  readonly info: SessionInfo;
}

/** The tileable key of a chunk key (`add-3f9a…:2.0` → `add-3f9a…`). */
const tileableKeyOf = (chunkKey: string): string => chunkKey.split(':')[0]!;

export class RemoteSession extends EventEmitter implements SessionLike {
  readonly [SESSION_BRAND] = true as const;
  /** The options it was made with (the token left out), the memory limit the server reported. */
  readonly config: Omit<ResolvedRemoteOptions, 'token'> & { readonly memoryLimit: number };
  readonly channel: Channel;
  readonly #holders = new HolderTracker((key) => this.#unheld(key));
  readonly #eager: EagerBatcher;
  readonly #values: ValueFetcher;
  readonly #executed = new Set<string>();
  /** Eager nodes submitted but not yet sent, and those of them a fetch is already waiting for. */
  readonly #unsent = new Set<string>();
  readonly #wanted = new Set<string>();
  readonly #inline = new Map<string, unknown>();
  readonly #inflight = new Set<AbortController>();
  #heartbeat: NodeJS.Timeout | undefined;
  #info: SessionInfo;
  #closed = false;
  #runs = 0;
  #closePromise: Promise<void> | undefined;
  #store: RemoteStore | undefined;
  /** Describes an LDBC folder of the server, synchronously (a graph handle's meta needs it when built). */
  readonly #describeLdbc: (path: string) => LdbcDescription;
  readonly #describeFrameFile: (op: string, path: string, options: unknown) => ServerFileNode;

  constructor(options: RemoteSessionOptions) {
    super();
    const o = resolveRemoteOptions(options);
    this.#describeLdbc = (path) => describeRemoteLdbc(o.address, o.token, path, o.requestTimeout);
    this.#describeFrameFile = (op, path, options) => describeRemoteFrameFile(o.address, o.token, op, path, options, o.requestTimeout);
    const { token: _token, ...shown } = o;
    this.config = { ...shown, memoryLimit: o.memoryLimit ?? Number.POSITIVE_INFINITY };
    const conn = new Connection(o.address, o.token, o.requestTimeout);
    this.channel = new Channel(conn, async () => {
      const body = { name: o.name, kind: 'interactive', mode: o.mode, danglingTimeout: o.danglingTimeout, ...(o.workers ? { workers: o.workers } : {}), ...(o.memoryLimit ? { memory: String(o.memoryLimit) } : {}) };
      const ids = (await (await conn.request('/v1/sessions', { json: body })).json()) as unknown;
      if (!Array.isArray(ids) || typeof ids[0] !== 'string') throw new InvalidArgumentError(`the server at ${o.address} did not answer a session id.`);
      return ids[0];
    });
    this.#info = { id: '', name: o.name, mode: o.mode, status: 'active', executor: 'remote', workers: o.workers ?? 0, results: 0, memory: { used: 0, limit: this.config.memoryLimit }, plans: [] };
    this.channel.opened().then(
      (id) => (this.#info = { ...this.#info, id }),
      () => undefined,
    );
    this.#values = new ValueFetcher(this.channel, o.sharedMemory);
    this.#eager = new EagerBatcher((nodes) => this.#runEagerBatch(nodes));
    this.#beat((o.danglingTimeout * 1000) / 3);
    if (o.default) setProcessDefault(this);
  }

  /** Says the client is alive every `periodMs`, the next beat only once the last one is answered. */
  #beat(periodMs: number): void {
    this.#heartbeat = setTimeout(() => {
      void this.channel.sync().catch(() => undefined).finally(() => {
        if (!this.#closed) this.#beat(periodMs);
      });
    }, periodMs);
    this.#heartbeat.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }
  get mode(): 'eager' | 'lazy' {
    return this.config.mode;
  }
  /** The session's id on the server ('' until the server has answered its creation). */
  get id(): string {
    return this.channel.id ?? '';
  }
  /** The last state the server reported (each answer brings it), with this client's status. */
  get info(): SessionInfo {
    if (this.#closed) return { ...this.#info, status: 'closed', results: 0, memory: { used: 0, limit: this.#info.memory.limit } };
    return this.#info;
  }
  /** The session's object store on the server (Vineyard's RPC client: every call is a request). */
  get store(): RemoteStore {
    this.#check();
    return (this.#store ??= new RemoteStore(this.channel, () => this.#check()));
  }

  /** How many fetched values came through shared memory (a server on this host) and over the socket. */
  get transfers(): { readonly sharedMemory: number; readonly socket: number } {
    return { ...this.#values.transfers };
  }

  /** Resolves once the server has created the session and reported its state (`info` is then current). */
  async ready(): Promise<this> {
    await this.#request(async (signal) => {
      const id = await this.channel.opened();
      const response = await this.channel.conn.request(`/v1/sessions/${id}/remote/info`, { signal });
      this.#info = { ...((await response.json()) as SessionInfo), mode: this.config.mode };
    });
    return this;
  }

  asDefault(): this {
    this.#check();
    setProcessDefault(this);
    return this;
  }
  scope<T>(fn: () => T): T {
    this.#check();
    return runWithDefault(this, fn);
  }
  isExecuted(node: TileableNode): boolean {
    return !this.#closed && this.#executed.has(node.key);
  }
  track(holder: object, node: TileableNode): void {
    if (this.#closed) return;
    this.#holders.hold(holder, node.key);
    noteHeld(holder, this);
  }

  submitEager(node: TileableNode): Promise<void> {
    this.#check();
    if (this.#eager.status(node.key) === undefined) this.#unsent.add(node.key);
    return this.#eager.submit(node);
  }

  async execute(targets: readonly Fetchable[], options?: ExecuteOptions): Promise<void> {
    await this.#runTargets(targets, options, 'execute', false);
  }

  async run<T extends Fetchable | readonly Fetchable[]>(fetches: T, options?: ExecuteOptions): Promise<T extends readonly Fetchable[] ? unknown[] : unknown> {
    const list = (Array.isArray(fetches) ? fetches : [fetches]) as readonly Fetchable[];
    const values = await this.#runTargets(list, options, 'run', true);
    return (Array.isArray(fetches) ? values : values[0]) as T extends readonly Fetchable[] ? unknown[] : unknown;
  }

  async fetch(node: TileableNode, holder?: object, options: AssembleOptions = {}): Promise<unknown> {
    const { into } = options;
    const value = await this.#fetchValue(node, holder, into);
    return into ? placedInto(value, into) : value;
  }

  /** Waits until `node` ran (eagerly) and holds it; its value if it came back with the run (taken once). */
  async #settled(node: TileableNode, holder: object | undefined): Promise<{ readonly inline: boolean; readonly value?: unknown }> {
    this.#check();
    if (this.#unsent.has(node.key)) this.#wanted.add(node.key);
    await this.#eager.status(node.key);
    this.#check();
    if (holder) this.track(holder, node);
    if (!this.#inline.has(node.key)) return { inline: false };
    const value = this.#inline.get(node.key);
    this.#inline.delete(node.key);
    return { inline: true, value };
  }

  async #fetchValue(node: TileableNode, holder: object | undefined, into: TypedArray | undefined): Promise<unknown> {
    const settled = await this.#settled(node, holder);
    if (settled.inline) return settled.value;
    if (!this.#executed.has(node.key) && !(node.op === 'tensor.slice' && this.#sliceable(node.inputs[0]!))) throw new UnexecutedError(reprNode(node));
    return this.#request((signal) => this.#values.fetch(node, signal, into));
  }

  /**
   * An executed table's record batches as the server streams them (DataFrame.iterBatches): the whole
   * table is never in this process. Stopping early cancels the rest of the stream.
   */
  async *fetchBatches(node: TileableNode, holder?: object): AsyncGenerator<RecordBatch> {
    const settled = await this.#settled(node, holder);
    if (settled.inline) {
      if (settled.value instanceof Table) yield* settled.value.batches;
      return;
    }
    if (!this.#executed.has(node.key)) throw new UnexecutedError(reprNode(node));
    const ctl = new AbortController();
    this.#inflight.add(ctl);
    try {
      yield* this.#values.batches(node, ctl.signal);
    } catch (e) {
      throw ctl.signal.aborted && ctl.signal.reason instanceof Error ? ctl.signal.reason : e;
    } finally {
      this.#inflight.delete(ctl);
      // A consumer that stopped early: the rest of the answer is not read, so the request is ended.
      if (!ctl.signal.aborted) ctl.abort(new CancelledError());
    }
  }

  release(node: TileableNode, options: { readonly keepCached?: boolean } = {}): boolean {
    if (this.#closed) return false;
    const had = this.#executed.delete(node.key);
    this.#eager.forget(node.key);
    this.#inline.delete(node.key);
    this.channel.release(node.key, options.keepCached === true);
    return had;
  }

  /** Where an executed result's chunks are on the server (Mars's `fetch_infos`). */
  async fetchInfos(f: Fetchable, options?: { readonly fields?: readonly (keyof ChunkInfo)[] }): Promise<Partial<ChunkInfo>[]> {
    const { fields } = optionsObject(options, 'fetchInfos', ['fields']);
    const node = await this.#executedNode(f);
    return this.#request(async (signal) => {
      const response = await this.channel.send('remote/infos', { key: node.key, ...(fields ? { fields } : {}) }, [node], { signal });
      return decodeFrame(await this.channel.conn.bytes(response, signal)) as Partial<ChunkInfo>[];
    });
  }

  /** Persists an executed result on the server, optionally under a name this token's sessions can `getNamed`. */
  async persist(f: Fetchable, options?: { readonly name?: string; readonly overwrite?: boolean }): Promise<string> {
    const { name, overwrite } = optionsObject(options, 'persist', ['name', 'overwrite']);
    if (name !== undefined) checkName(name);
    const node = await this.#executedNode(f);
    return this.#request(async (signal) => {
      const response = await this.channel.send('remote/persist', { key: node.key, ...(name !== undefined ? { name } : {}), ...(overwrite === true ? { overwrite } : {}) }, [node], { signal });
      return ((await response.json()) as { id: string }).id;
    });
  }

  /** A result persisted under `name` by a session of this token: data as its value; a graph or context as a handle of this session. */
  async getNamed(name: string, options?: { readonly wait?: boolean; readonly timeoutMs?: number; readonly signal?: AbortSignal }): Promise<unknown> {
    this.#check();
    const { wait, timeoutMs, signal } = optionsObject(options, 'getNamed', ['wait', 'timeoutMs', 'signal']);
    checkName(name);
    const answer = (await this.#request(async (sig) => {
      const body = { name, wait: wait === true, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
      const waitMs = wait ? (timeoutMs ?? 300_000) + this.config.requestTimeout : undefined;
      const response = await this.channel.send('remote/named', body, [], { signal: sig, ...(waitMs ? { timeoutMs: waitMs } : {}) });
      return decodeValue(response.headers.get('content-type') ?? '', (h) => response.headers.get(h), await this.channel.conn.bytes(response, sig));
    }, signal)) as { kind: string; value?: unknown; nodes?: { key: string; meta: { type: string } }[] };
    if (answer.kind === 'data') return answer.value;
    const described = answer.nodes!;
    const inputs = described.slice(0, -1).map((d) => persistedNode(d.key, d.meta, undefined));
    const last = described[described.length - 1]!;
    const node = persistedNode(last.key, last.meta, undefined, inputs);
    for (const n of [...inputs, node]) {
      this.channel.markKnown(n);
      this.#executed.add(n.key);
    }
    return this.scope(() => (node.meta.type === 'context' ? new Context(node as never) : new Graph(node as never)));
  }

  /**
   * An LDBC folder (or its `.properties` file) of the server's data directory, as the server describes
   * it; what `gs.loadFrom({ldbc})` builds from while this session is the default (ops/graph/sources.ts).
   */
  describeLdbc(path: string): LdbcDescription {
    this.#check();
    return this.#describeLdbc(path);
  }

  /**
   * A dataframe file source as the server builds it from its file, synchronously (a frame handle's
   * schema is needed when it is built); what `dataframe.readCsv` and friends build from while this
   * session is the default (ops/dataframe/serverFile.ts).
   */
  describeFrameFile(op: string, path: string, options: unknown): ServerFileNode {
    this.#check();
    return this.#describeFrameFile(op, path, options);
  }

  /** An empty property graph evaluated in this session (GraphScope's `sess.g()`). */
  g(options: GraphOptions = {}): Graph {
    return this.scope(() => emptyGraph(options));
  }

  close(): Promise<void> {
    this.#closePromise ??= this.#close();
    return this.#closePromise;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(): Promise<void> {
    this.#closed = true;
    if (isProcessDefault(this)) setProcessDefault(undefined);
    endScopes(this);
    clearTimeout(this.#heartbeat);
    for (const ctl of this.#inflight) ctl.abort(new CancelledError('The session was closed while this run was in progress.'));
    this.#eager.abort(new SessionClosedError());
    this.#executed.clear();
    this.#inline.clear();
    this.channel.close();
    try {
      const id = await this.channel.opened();
      await (await this.channel.conn.request(`/v1/sessions/${id}`, { method: 'DELETE' })).arrayBuffer();
    } catch {
      // The server is gone or never made the session: there is nothing of it left to close.
    }
    this.channel.conn.close();
    this.#eager.clear();
    this.emit('close');
  }

  #check(): void {
    if (this.#closed) throw new SessionClosedError();
  }

  #unheld(key: string): void {
    if (this.#closed || this.#holders.count(key) > 0) return;
    this.#executed.delete(key);
    this.#eager.forget(key);
    this.#inline.delete(key);
    this.channel.release(key, false);
  }

  /** The node of an executed result (after its eager run), or Mars's error. */
  async #executedNode(f: Fetchable): Promise<TileableNode> {
    this.#check();
    const node = nodeOf(f);
    await this.#eager.status(node.key);
    if (!this.#executed.has(node.key)) throw new UnexecutedError(reprNode(node));
    return node;
  }

  #sliceable(node: TileableNode): boolean {
    return this.#executed.has(node.key) || (node.op === 'tensor.slice' && this.#sliceable(node.inputs[0]!));
  }

  /** `execute` and `run`: as a local session, then one request that runs (and, for run, fetches). */
  async #runTargets(targets: readonly Fetchable[], options: ExecuteOptions | undefined, where: string, fetch: boolean): Promise<unknown[]> {
    this.#check();
    const { signal } = runOptions(options, where);
    if (!Array.isArray(targets)) throw new InvalidArgumentError(`${where} takes an array of handles, got ${show(targets)}.`);
    const nodes = targets.map(nodeOf);
    targets.forEach((t, i) => this.track(t, nodes[i]!));
    if (signal?.aborted) throw new CancelledError();
    const eager = Promise.all(nodes.map((n) => this.#eager.status(n.key)?.catch(() => undefined)));
    await (signal ? untilAborted(eager, signal) : eager);
    const failed = nodes.map((n) => this.#eager.failure(n.key)).find((e) => e !== undefined);
    if (failed) throw failed;
    const unique = [...new Map(nodes.map((n) => [n.key, n])).values()];
    const done = await this.#runRequest(unique, { eager: false, fetch: fetch ? unique.map((n) => n.key) : [], ...(signal ? { signal } : {}) });
    if (done.failure) throw this.#rebuild(done.failure, unique);
    for (const n of unique) this.#executed.add(n.key);
    const seen = new Set<string>();
    return nodes.map((n) => {
      const value = done.values[n.key];
      if (seen.has(n.key)) return copyOf(value);
      seen.add(n.key);
      return value;
    });
  }

  /** The eager batcher's runner: one request, per-node errors, values of the fetches already waiting. */
  async #runEagerBatch(nodes: readonly TileableNode[]): Promise<ReadonlyMap<string, Error>> {
    for (const n of nodes) this.#unsent.delete(n.key);
    const fetch = nodes.filter((n) => this.#wanted.delete(n.key)).map((n) => n.key);
    const done = await this.#runRequest(nodes, { eager: true, fetch });
    if (done.failure) throw this.#rebuild(done.failure, nodes);
    const errors = new Map<string, Error>();
    for (const n of nodes) {
      const e = done.errors[n.key];
      if (e) errors.set(n.key, this.#rebuild(e, nodes));
      else this.#executed.add(n.key);
    }
    for (const [key, value] of Object.entries(done.values)) this.#inline.set(key, value);
    return errors;
  }

  async #runRequest(targets: readonly TileableNode[], req: { eager: boolean; fetch: readonly string[]; signal?: AbortSignal }): Promise<Done> {
    const events = (['progress', 'run'] as const).filter((e) => this.listenerCount(e) > 0);
    const run = String(++this.#runs);
    return this.#request(async (signal, ctl) => {
      const body = { run, targets: targets.map((n) => n.key), eager: req.eager, fetch: req.fetch, events, answerWithin: this.channel.conn.timeoutMs };
      const response = await this.channel.send('remote/run', body, targets, { signal });
      let done: Done | undefined;
      await this.channel.conn.frames(
        response,
        (frame) => {
          const f = frame as { type: string; event?: unknown; stats?: unknown };
          if (f.type === 'done') done = f as unknown as Done;
          else if (f.type === 'progress' || f.type === 'run') this.#emitChecked(f.type, f.type === 'progress' ? f.event : f.stats, ctl);
        },
        signal,
      );
      if (!done) throw new CancelledError('The server ended the run without a result.');
      this.#info = { ...done.info, mode: this.config.mode };
      return done;
    }, req.signal).catch(async (e: unknown) => {
      // A run given up (a cancel, a throwing listener) is reported once the server's run has ended, so
      // the session is as it was before it when the caller goes on; a closing session does not wait.
      if ((e instanceof CancelledError || e instanceof ListenerError) && !this.#closed) await this.channel.settle([run]).catch(() => undefined);
      throw e;
    });
  }

  /**
   * A listener that throws stops the run, as locally: the request is aborted, which aborts the server's
   * run, and the server keeps nothing of it (see #request: the error is reported once it has ended).
   */
  #emitChecked(event: string, payload: unknown, ctl: AbortController): void {
    try {
      this.emit(event, payload);
    } catch (e) {
      const error = new ListenerError(event, e);
      ctl.abort(error);
      throw error;
    }
  }

  /** A request with its own abort controller: closing the session or the caller's signal aborts it. */
  async #request<T>(fn: (signal: AbortSignal, ctl: AbortController) => Promise<T>, outer?: AbortSignal): Promise<T> {
    this.#check();
    const ctl = new AbortController();
    const onAbort = (): void => ctl.abort(new CancelledError());
    outer?.addEventListener('abort', onAbort, { once: true });
    this.#inflight.add(ctl);
    try {
      return await fn(ctl.signal, ctl);
    } catch (e) {
      throw ctl.signal.aborted && ctl.signal.reason instanceof Error ? ctl.signal.reason : e;
    } finally {
      this.#inflight.delete(ctl);
      outer?.removeEventListener('abort', onAbort);
    }
  }

  /** A run's error in its own class, with the stack of the line here that built the failing op. */
  #rebuild(data: ErrorData, targets: readonly TileableNode[]): Error {
    const error = rebuildError(data);
    const chunkKey = (error as { chunkKey?: unknown }).chunkKey;
    if (typeof chunkKey !== 'string') return error;
    const key = tileableKeyOf(chunkKey);
    const stack = findNode(targets, key)?.origin?.stack;
    return attachBuildSite(error, chunkKey, stack);
  }
}

/** The node with `key` among `roots` and their inputs (only walked when a run failed). */
function findNode(roots: readonly TileableNode[], key: string): TileableNode | undefined {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.key === key) return n;
    if (seen.has(n.key)) continue;
    seen.add(n.key);
    stack.push(...n.inputs);
  }
  return undefined;
}

function copyOf(value: unknown): unknown {
  return value instanceof NdArray ? new NdArray(value.dtype, value.shape, value.data.slice()) : value;
}
