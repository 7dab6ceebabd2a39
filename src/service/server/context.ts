/**
 * What every route plugin of the server gets: the registry, each session's journal and engine session,
 * the caller's identity, and the data directory guard. The server core (app.ts) builds it; the route
 * plugins (sessions, remote execution, headless, dashboard, events) only use this interface, so they
 * can be written and tested apart.
 */
import type { Session } from '../../session/index.js';
import type { ChunkRunEvent } from '../../session/session.js';
import type { SessionJournal } from './journal.js';
import type { Owners } from './objectOwners.js';
import type { SessionRecord, SessionRegistry } from './registry.js';

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  /** Accepted bearer tokens (from --token and --tokens FILE). */
  readonly tokens: readonly string[];
  /** Files a client names resolve inside this directory only. */
  readonly dataDir: string;
  readonly maxSessions: number;
  /** Seconds a session's client may stay silent before the server closes it, unless its create request names its own (GraphScope's option). */
  readonly danglingTimeout: number;
  /** --no-user-code: refuse user functions and headless modules. */
  readonly allowUserCode: boolean;
  /** Seconds from a session's start (or renewal) to its expiryTime; default 86 400 (24 h). */
  readonly sessionTtl?: number;
  /**
   * --redis: interactive sessions run their chunk tasks on `tessera worker` processes through this Redis
   * (executor 'distributed'), and the stats list the workers they see.
   */
  readonly redis?: string;
  /** --queue: the queue name of those workers (default 'tessera'). */
  readonly queue?: string;
}

/** The caller of a request, after the bearer token was checked. */
export interface Caller {
  /** sha256 of the token, hex, first 16 characters: what records store as `owner`. */
  readonly owner: string;
}

export interface ServerContext {
  readonly options: ServerOptions;
  readonly registry: SessionRegistry;
  /** Who persisted which catalog object, and owners' name prefixes (objectOwners.ts). */
  readonly owners: Owners;
  /** The caller's session record, or a 404 error (`SessionNotFound`, same body as a missing id). */
  recordFor(caller: Caller, id: string): SessionRecord;
  /** The engine session behind an interactive session of the caller's (404 as above; 409 if not running). */
  engineSessionFor(caller: Caller, id: string): Session;
  /**
   * What a session's DAG view follows: an interactive session's engine session, or the chunk events a
   * headless session's child sends (404 as above; 409 when neither is up).
   */
  chunkSourceFor(caller: Caller, id: string): ChunkSource;
  journalOf(id: string): SessionJournal;
  /** Marks the session's client alive for another `danglingTimeout` (every request naming it does). */
  touch(id: string): void;
  /** A client-named path resolved inside the data directory, or a 403 `PathRefused` error quoting nothing. */
  resolveDataPath(path: string): string;
}

/** A store's usage as the dashboard shows it. */
export interface StoreCounts {
  readonly memoryUsage: number;
  readonly memoryLimit: number;
  readonly objects: number;
}

/** What the dashboard's DAG tracker listens to: an engine session, or a headless session's feed of its child's events. */
export interface ChunkSource {
  readonly closed: boolean;
  readonly store: { status(): StoreCounts };
  on(event: 'chunks', listener: (event: ChunkRunEvent) => void): unknown;
  off(event: 'chunks', listener: (event: ChunkRunEvent) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/** What the server asks of the headless host (src/service/headless/): run one session's module. */
export interface HeadlessSpec {
  readonly id: string;
  /** The module's absolute path, already checked to be inside the data directory. */
  readonly modulePath: string;
  readonly args: readonly string[];
  /** The caller's env plus REPLICA_ID and REPLICA_COUNT. */
  readonly env: Readonly<Record<string, string>>;
  readonly workers: number;
  /** The session's memory in bytes: the child's heap and store are held to it. */
  readonly memory: number;
}

export interface HeadlessHooks {
  /** stdout/stderr text of the module and the session's progress lines. */
  log(text: string): void;
  event(type: string, message: string): void;
  /** Called once the child's session is open and the module is about to run. */
  running(): void;
  /** A batch of the child session's chunk events (headless/chunkChannel.ts), for the dashboard; unchecked. */
  chunks?(batch: unknown): void;
}

export type HeadlessOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

export interface HeadlessRun {
  /** Settles once, when the module returned, threw, or the child died; never rejects. */
  readonly done: Promise<HeadlessOutcome>;
  /** Kills the child (delete/expiry/server close); `done` then settles with a Failed outcome. */
  stop(): Promise<void>;
}

export type StartHeadless = (spec: HeadlessSpec, hooks: HeadlessHooks) => HeadlessRun;
