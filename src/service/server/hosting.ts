/**
 * The sessions this server hosts, and the ServerContext route plugins use. An interactive session is an
 * engine session opened in this process (Pending → Running at once: opening one starts no thread); a
 * headless one is a run of its module by the headless host (Pending → Running when the module starts →
 * Completed with its result named, or Failed). Deleting, expiring, a silent client (interactive only)
 * and the server closing all end a session the same way: Terminating, its engine session closed or its
 * run stopped, then gone from the registry (404). What the session persisted and named (a headless
 * result included) outlives it, unless its client deletes it with `purge=all` (see `delete`).
 *
 * Records hold counters only; an engine session's progress reaches its record through a throttled feed
 * (progressFeed.ts), and a headless module's output goes to the session's journal.
 */
import { randomBytes } from 'node:crypto';
import { totalmem } from 'node:os';
import { logEngine } from '../../base/log.js';
import { ChunkFeed } from '../headless/chunkChannel.js';
import { newSession, type Session } from '../../session/index.js';
import { defaultWorkers } from '../../session/options.js';
import type { Caller, ChunkSource, HeadlessOutcome, HeadlessRun, ServerContext, ServerOptions, StartHeadless } from './context.js';
import { resultNameOf, HeadlessResults } from './headlessResults.js';
import { Owners } from './objectOwners.js';
import { HttpError, sessionNotFound } from './httpErrors.js';
import { SessionJournal } from './journal.js';
import { ProgressFeed } from './progressFeed.js';
import { SessionRegistry, type SessionRecord, type SessionStatus } from './registry.js';
import { sizeText, type CreateRequest, type Purge, type ReplicaSpec } from './sessionRules.js';
import { canMove, isActive } from './statuses.js';

export const DEFAULT_SESSION_TTL = 86_400;
/** The engine's own default memory limit (half the machine, in whole MiB), for sessions that ask for none. */
export const DEFAULT_MEMORY = Math.floor(totalmem() / 2 / 2 ** 20) * 2 ** 20;
const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface HostDeps {
  readonly resolveDataPath: (path: string) => string;
  readonly startHeadless?: StartHeadless;
}

/** One replica to host; headless ones come with their module already resolved in the data directory. */
export interface HostedSpec {
  readonly request: CreateRequest;
  readonly replica: ReplicaSpec;
  readonly modulePath?: string;
}

export class SessionHost implements ServerContext {
  readonly registry = new SessionRegistry();
  readonly owners = new Owners();
  readonly options: ServerOptions;
  readonly resolveDataPath: (path: string) => string;
  readonly #startHeadless: StartHeadless | undefined;
  readonly #engines = new Map<string, Session>();
  readonly #feeds = new Map<string, ProgressFeed>();
  readonly #runs = new Map<string, HeadlessRun>();
  /** Headless sessions' chunk events from their child processes, for the dashboard. */
  readonly #chunkFeeds = new Map<string, ChunkFeed>();
  readonly #journals = new Map<string, SessionJournal>();
  readonly #expiry = new Map<string, NodeJS.Timeout>();
  readonly #dangling = new Map<string, NodeJS.Timeout>();
  readonly #terminating = new Map<string, Promise<boolean>>();
  readonly #results = new HeadlessResults();
  #closing: Promise<void> | undefined;

  constructor(options: ServerOptions, deps: HostDeps) {
    this.options = options;
    this.resolveDataPath = deps.resolveDataPath;
    this.#startHeadless = deps.startHeadless;
  }

  get hostsHeadless(): boolean {
    return this.#startHeadless !== undefined;
  }

  get #ttlMs(): number {
    return (this.options.sessionTtl ?? DEFAULT_SESSION_TTL) * 1000;
  }

  /** Pending and Running sessions of every token: what `maxSessions` caps. */
  activeCount(): number {
    return Object.values(this.registry.state.sessions).filter((s) => isActive(s.status)).length;
  }

  recordFor(caller: Caller, id: string): SessionRecord {
    const record = this.registry.get(id);
    if (!record || record.owner !== caller.owner) throw sessionNotFound(id);
    return record;
  }

  /** The open engine session behind an interactive session, if it has one (for stats: no caller check). */
  engineOf(id: string): Session | undefined {
    const session = this.#engines.get(id);
    return session && !session.closed ? session : undefined;
  }

  engineSessionFor(caller: Caller, id: string): Session {
    const record = this.recordFor(caller, id);
    const session = this.#engines.get(id);
    if (record.kind !== 'interactive' || record.status !== 'Running' || !session || session.closed) {
      throw new HttpError(409, 'SessionNotRunning', `Session '${id}' is a ${record.status} ${record.kind} session: only a Running interactive session runs DAGs.`);
    }
    return session;
  }

  chunkSourceFor(caller: Caller, id: string): ChunkSource {
    const record = this.recordFor(caller, id);
    const chunks = this.#chunkFeeds.get(id);
    if (record.kind === 'headless' && chunks && !chunks.closed) return chunks;
    return this.engineSessionFor(caller, id);
  }

  journalOf(id: string): SessionJournal {
    const journal = this.#journals.get(id);
    if (!journal) throw sessionNotFound(id);
    return journal;
  }

  touch(id: string): void {
    this.#dangling.get(id)?.refresh();
  }

  /** Hosts one replica and returns its record; on failure nothing of it stays and the error is thrown. */
  create(owner: string, spec: HostedSpec): SessionRecord {
    if (this.#closing) throw new HttpError(503, 'ServerClosing', 'The server is closing: it creates no more sessions.');
    const { request, replica } = spec;
    const id = this.#newId();
    const now = Date.now();
    const memory = request.memory?.bytes ?? DEFAULT_MEMORY;
    const record: SessionRecord = {
      id,
      name: replica.name,
      kind: request.kind,
      ...(request.kind === 'interactive' ? { mode: request.mode ?? 'eager' } : {}),
      owner,
      status: 'Pending',
      startTime: new Date(now).toISOString(),
      expiryTime: new Date(now + this.#ttlMs).toISOString(),
      workers: request.workers ?? defaultWorkers(),
      memory,
      memoryRequested: request.memory?.text ?? sizeText(memory),
      memoryInUse: 0,
      storeObjects: 0,
      replica: replica.replica,
      ...(request.kind === 'headless' ? { module: request.module!, args: request.args } : {}),
      env: replica.env,
      dag: { runs: 0, chunksTotal: 0, chunksDone: 0, running: false, failedRuns: 0 },
    };
    const journal = new SessionJournal();
    this.#journals.set(id, journal);
    this.registry.add(record);
    journal.event('Pending', `${record.kind} session created (replica ${replica.replica.id} of ${replica.replica.count})`);
    try {
      if (record.kind === 'interactive') this.#openEngine(record, request.danglingTimeout ?? this.options.danglingTimeout);
      else this.#startRun(record, spec.modulePath!);
    } catch (e) {
      this.#engines.get(id)?.close().catch((closeError: unknown) => {
        logEngine('error', `Session ${id} (${record.name}) failed to open, and closing it failed too: ${(closeError as Error)?.stack ?? String(closeError)}`, { code: 'TESSERA_SESSION_CLOSE_FAILED' });
      });
      this.#forget(id);
      throw e;
    }
    this.#expiry.set(id, this.#timer(() => void this.delete(id, 'its expiryTime passed'), this.#ttlMs));
    return this.registry.get(id)!;
  }

  /** Moves expiryTime to a full TTL from now; only Pending or Running sessions (409 otherwise). */
  renew(caller: Caller, id: string): SessionRecord {
    const record = this.recordFor(caller, id);
    if (!isActive(record.status)) {
      throw new HttpError(409, 'SessionNotActive', `Session '${id}' is ${record.status}: only Pending or Running sessions can be renewed.`);
    }
    const expiryTime = new Date(Date.now() + this.#ttlMs).toISOString();
    this.registry.patch(id, (d) => {
      d.expiryTime = expiryTime;
    });
    this.#expiry.get(id)?.refresh();
    this.#journals.get(id)?.event('Renewed', `expiryTime is now ${expiryTime}`);
    return this.registry.get(id)!;
  }

  /**
   * Ends a session: Terminating, closed, removed. True once it is gone after a clean close; false when
   * there was no such session or closing it failed (it is removed all the same). Concurrent deletes of
   * one session share one ending (the first one's purge).
   *
   * `purge` says what of the session's results go with it. `transient` (the default, and how every end
   * the server decides on goes): its unnamed, unpersisted results, which closing drops. `all`: also what
   * the session persisted in the shared catalog and a headless session's result (each with every name
   * bound to it, whichever session bound it: a name never outlives its object), and the names the
   * session bound to other sessions' objects, which stay. Persisted objects and names otherwise outlive
   * their session.
   */
  delete(id: string, reason: string, purge: Purge = 'transient'): Promise<boolean> {
    const ongoing = this.#terminating.get(id);
    if (ongoing) return ongoing;
    if (!this.registry.get(id)) return Promise.resolve(false);
    const ending = this.#terminate(id, reason, purge).finally(() => this.#terminating.delete(id));
    this.#terminating.set(id, ending);
    return ending;
  }

  /** Ends every session (the server is closing); no session can be created after. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all(Object.keys(this.registry.state.sessions).map((id) => this.delete(id, 'the server is closing')));
      this.#results.close();
    })();
    return this.#closing;
  }

  #openEngine(record: SessionRecord, danglingTimeout: number): void {
    const { id } = record;
    const { redis, queue } = this.options;
    // A distributed session's threads are its workers' (`tessera worker --threads`), so `workers` is not passed.
    const placement = redis === undefined ? { workers: record.workers } : { executor: 'distributed' as const, redis, ...(queue !== undefined ? { queue } : {}) };
    const session = newSession({ mode: record.mode, ...placement, memoryLimit: record.memory, default: false, name: record.name });
    this.#engines.set(id, session);
    const journal = this.#journals.get(id)!;
    this.#feeds.set(id, new ProgressFeed(session, {
      record: (u) => this.registry.patch(id, (d) => {
        d.dag = u.dag;
        d.memoryInUse = u.memoryInUse;
        d.storeObjects = u.storeObjects;
      }),
      log: (line) => journal.log(line),
    }));
    session.once('close', () => void this.delete(id, 'its engine session was closed'));
    this.#move(id, 'Running', `engine session open (${record.mode}, ${record.workers} workers, memory ${record.memoryRequested}, danglingTimeout ${danglingTimeout} s)`);
    this.#dangling.set(id, this.#timer(
      () => void this.delete(id, `its client made no request for ${danglingTimeout} s (danglingTimeout)`),
      danglingTimeout * 1000,
    ));
  }

  #startRun(record: SessionRecord, modulePath: string): void {
    if (!this.#startHeadless) throw new HttpError(501, 'HeadlessUnavailable', 'This server has no headless host: it cannot run modules.');
    const { id } = record;
    const journal = this.#journals.get(id)!;
    const chunks = new ChunkFeed(record.memory);
    this.#chunkFeeds.set(id, chunks);
    const run = this.#startHeadless(
      { id, modulePath, args: record.args ?? [], env: record.env ?? {}, workers: record.workers, memory: record.memory },
      {
        log: (text) => journal.log(text),
        event: (type, message) => journal.event(type, message),
        running: () => void this.#move(id, 'Running', 'the module is running'),
        chunks: (batch) => {
          chunks.push(batch);
          const store = chunks.store.status();
          this.registry.patch(id, (d) => {
            d.dag = chunks.progress();
            d.memoryInUse = store.memoryUsage;
            d.storeObjects = store.objects;
          });
        },
      },
    );
    this.#runs.set(id, run);
    void run.done.finally(() => chunks.end());
    run.done.then(
      (outcome) => this.#finish(id, outcome),
      (e: unknown) => this.#finish(id, { ok: false, error: { code: 'HeadlessHostError', message: String((e as Error)?.message ?? e) } }),
    );
  }

  /** A headless run ended by itself: Completed with its result named, or Failed with its error. */
  #finish(id: string, outcome: HeadlessOutcome): void {
    this.#runs.delete(id);
    const record = this.registry.get(id);
    if (!record || record.status === 'Terminating') return;
    const journal = this.#journals.get(id)!;
    if (outcome.ok) this.#complete(record, outcome.result);
    else this.#fail(id, outcome.error);
    journal.end();
  }

  #complete(record: SessionRecord, result: unknown): void {
    const { id } = record;
    this.#move(id, 'Running', 'the module is running');
    if (result === undefined) {
      this.#move(id, 'Completed', 'the module returned nothing: no result stored');
      return;
    }
    const name = resultNameOf(record);
    try {
      this.#results.put(this.owners.name(record.owner, name), result, (id, store) => this.owners.record(record.owner, id, store));
    } catch (e) {
      const err = e as Error & { code?: string };
      this.#fail(id, { code: err.code ?? 'ResultNotStored', message: `The module's result could not be stored: ${err.message}` });
      return;
    }
    this.registry.patch(id, (d) => {
      d.resultName = name;
    });
    this.#move(id, 'Completed', `result stored under the name '${name}'`);
  }

  #fail(id: string, error: { readonly code: string; readonly message: string }): void {
    this.registry.patch(id, (d) => {
      d.error = { code: error.code, message: error.message };
    });
    this.#move(id, 'Failed', `${error.code}: ${error.message}`);
  }

  async #terminate(id: string, reason: string, purge: Purge): Promise<boolean> {
    this.#move(id, 'Terminating', reason);
    const record = this.registry.get(id)!;
    let clean = true;
    try {
      this.#feeds.get(id)?.stop();
      const engine = this.#engines.get(id);
      if (purge === 'all' && engine && !engine.closed) engine.store.clear({ includePersisted: true });
      await engine?.close();
      const run = this.#runs.get(id);
      if (run) {
        await run.stop();
        await run.done;
      }
      if (record.resultName !== undefined) {
        const name = this.owners.name(record.owner, record.resultName);
        if (purge === 'all') this.#results.drop(name);
        else this.#results.release(name);
      }
      if (purge === 'all') this.owners.prune((objectId) => this.#results.exists(objectId));
    } catch (e) {
      clean = false;
      const why = `Session ${id} (${record.name}) was removed, but closing it failed: ${(e as Error)?.stack ?? String(e)}`;
      logEngine('error', why, { code: 'TESSERA_SESSION_CLOSE_FAILED' });
    }
    this.#forget(id);
    return clean;
  }

  /** Drops every trace of a session: timers, engine, run, journal (its followers end) and record. */
  #forget(id: string): void {
    for (const timers of [this.#expiry, this.#dangling]) {
      clearTimeout(timers.get(id));
      timers.delete(id);
    }
    this.#feeds.get(id)?.stop();
    this.#feeds.delete(id);
    this.#engines.delete(id);
    this.#runs.delete(id);
    this.#chunkFeeds.get(id)?.end();
    this.#chunkFeeds.delete(id);
    this.#journals.get(id)?.end();
    this.#journals.delete(id);
    this.registry.remove(id);
  }

  #move(id: string, to: SessionStatus, message: string): boolean {
    let moved = false;
    this.registry.patch(id, (d) => {
      if (!canMove(d.status, to)) return;
      d.status = to;
      moved = true;
    });
    if (moved) this.#journals.get(id)?.event(to, message);
    return moved;
  }

  #timer(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  }

  /** 8 characters like Skaha's ids; a letter first, so no id is an array index (registry key order). */
  #newId(): string {
    for (;;) {
      const id = [...randomBytes(8)].map((b, i) => ID_CHARS[b % (i === 0 ? 26 : ID_CHARS.length)]).join('');
      if (!this.registry.get(id)) return id;
    }
  }
}
