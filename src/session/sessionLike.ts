/**
 * What handles need of a session, local or remote: the contract `Handle` (api/) works against, so the
 * api layer never names a session class. A local `Session` is one; the service's remote session (a
 * session hosted by `tessera serve`, service/client/) is another. Both carry the brand below, which is
 * how an option value is recognised as a session (`instanceof` would tie the check to one class).
 */
import type { EventEmitter } from 'node:events';
import type { TileableNode } from '../dag/nodes.js';
import type { AssembleOptions } from '../ops/assemble.js';
import type { Tiled } from '../ops/op.js';
import type { DefaultCandidate } from './defaults.js';
import type { ExecuteOptions, Fetchable, SessionInfo } from './session.js';

export const SESSION_BRAND: unique symbol = Symbol.for('tessera.session');

/**
 * A holder (a handle) is told, through this method when it has one, each session that holds its result,
 * so it can later ask that session what the run measured (`tiledOf`: a filter's rows, say) — Mars fills
 * a tileable's shape once it has run. Only sessions that ran (or were asked for) the handle tell it:
 * another handle of the same key in another session learns nothing (sessions are isolated).
 */
export const HELD_IN: unique symbol = Symbol.for('tessera.heldIn');

/** Tells `holder` (when it listens) that `session` holds its result. */
export function noteHeld(holder: object, session: SessionLike): void {
  const listener = (holder as { [HELD_IN]?: (s: SessionLike) => void })[HELD_IN];
  if (typeof listener === 'function') listener.call(holder, session);
}

export interface SessionLike extends DefaultCandidate, EventEmitter {
  readonly [SESSION_BRAND]: true;
  readonly mode: 'eager' | 'lazy';
  readonly closed: boolean;
  /** The memory limit bounds what an eager session lets a handle build (session/capacity.ts). */
  readonly config: { readonly mode: 'eager' | 'lazy'; readonly memoryLimit: number; readonly name: string | undefined };
  readonly info: SessionInfo;
  /**
   * The executed result's tiling with its measured extents (rows of a filter's chunks), while its chunks
   * are stored; undefined otherwise. A remote session does not have it (its results are the server's).
   */
  tiledOf?(node: TileableNode): Tiled | undefined;
  /** Counts `holder` as a reference to `node`'s result (see session.ts); tells the holder (`noteHeld`). */
  track(holder: object, node: TileableNode): void;
  /** Eager mode: submits a freshly built node; resolves when it has run. */
  submitEager(node: TileableNode): Promise<void>;
  execute(targets: readonly Fetchable[], options?: ExecuteOptions): Promise<void>;
  /** `options.into`: a tensor result goes into the caller's array (checked by Tensor.fetch). */
  fetch(node: TileableNode, holder?: object, options?: AssembleOptions): Promise<unknown>;
  run<T extends Fetchable | readonly Fetchable[]>(fetches: T, options?: ExecuteOptions): Promise<T extends readonly Fetchable[] ? unknown[] : unknown>;
  isExecuted(node: TileableNode): boolean;
  release(node: TileableNode, options?: { readonly keepCached?: boolean }): boolean;
  /** Runs `fn` with this session as the default of its async context. */
  scope<T>(fn: () => T): T;
  asDefault(): this;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export function isSessionLike(value: unknown): value is SessionLike {
  return typeof value === 'object' && value !== null && (value as { [SESSION_BRAND]?: unknown })[SESSION_BRAND] === true;
}
