/**
 * The base of every user-facing handle. A handle wraps one immutable tileable node; building it while
 * an eager session is the default submits the node to that session at once (the handle remembers
 * which session, so `fetch()` later goes there). `execute` and `fetch` take an explicit session, or use
 * the handle's eager session, the async-context default, or the process default — `execute` creates
 * a local session when there is none at all. A result too big for the eager session that would
 * materialise it is refused right here (session/capacity.ts).
 */
import type { TypedArray } from '../base/dtypes.js';
import { booleanOption, optionsObject } from '../base/args.js';
import { InvalidArgumentError, NoSessionError } from '../base/errors.js';
import { show } from '../base/show.js';
import type { TileableNode } from '../dag/nodes.js';
import { reprNode } from '../dag/repr.js';
import { tileableToDot } from '../dag/dot.js';
import type { Tiled } from '../ops/op.js';
import { defaultSessionOrCreate, getDefaultSession, HELD_IN, isSessionLike, refuseOversized, type SessionLike } from '../session/index.js';

export interface ExecuteOptions {
  readonly session?: SessionLike;
  readonly signal?: AbortSignal;
}

export interface FetchOptions {
  readonly session?: SessionLike;
}

export abstract class Handle<N extends TileableNode = TileableNode> {
  readonly node: N;
  readonly #eagerSession: SessionLike | undefined;
  /** The sessions that hold (or held) this handle's result: weakly, so a handle never keeps one alive. */
  readonly #heldIn: WeakRef<SessionLike>[] = [];

  constructor(node: N) {
    this.node = node;
    const s = getDefaultSession();
    if (s && s.mode === 'eager') {
      refuseOversized([node], s, 'built');
      this.#eagerSession = s;
      s.track(this, node);
      void s.submitEager(node);
    }
  }

  get key(): string {
    return this.node.key;
  }
  get op(): string {
    return this.node.op;
  }

  /** A session tells the handle it holds its result (session/sessionLike.ts `noteHeld`). */
  [HELD_IN](session: SessionLike): void {
    if (!this.#heldIn.some((r) => r.deref() === session)) this.#heldIn.push(new WeakRef(session));
  }

  /**
   * What a session that ran this handle measured of its result (its tiling, with extents the build did
   * not know), while one of them still holds it; undefined otherwise. Only this handle's own sessions
   * are asked, so a twin handle run elsewhere tells it nothing.
   */
  protected measuredTiling(): Tiled | undefined {
    for (const ref of this.#heldIn) {
      const s = ref.deref();
      const tiled = s && !s.closed ? s.tiledOf?.(this.node) : undefined;
      if (tiled) return tiled;
    }
    return undefined;
  }

  /**
   * The session to use: the explicit one, else the eager session this handle was computed in (even when
   * closed, so using it reports the closed session instead of a misleading "not executed"), else the
   * default.
   */
  protected sessionFor(explicit: unknown): SessionLike | undefined {
    if (explicit !== undefined && !isSessionLike(explicit)) {
      throw new InvalidArgumentError(`the session option must be a Session (from newSession()), got ${show(explicit)}.`);
    }
    return (explicit as SessionLike | undefined) ?? this.#eagerSession ?? getDefaultSession();
  }

  /** Runs this handle (and what it needs) in the session; resolves to this same handle. */
  async execute(options?: ExecuteOptions): Promise<this> {
    const { session: explicit, signal } = optionsObject(options, 'execute', ['session', 'signal']);
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new InvalidArgumentError(`the signal option must be an AbortSignal (e.g. new AbortController().signal), got ${show(signal)}.`);
    }
    const session = this.sessionFor(explicit) ?? defaultSessionOrCreate();
    await session.execute([this], signal ? { signal } : {});
    return this;
  }

  /** `into`: a tensor's caller-owned destination, already checked against its dtype. */
  protected fetchValue(options?: FetchOptions, into?: TypedArray): Promise<unknown> {
    const session = this.sessionFor(optionsObject(options, 'fetch', ['session']).session);
    if (!session) {
      return Promise.reject(new NoSessionError(`Tileable object ${this.node.key} must be executed first before fetch`));
    }
    return session.fetch(this.node, this, into ? { into } : {});
  }

  /** Whether this handle's result is cached in the session. */
  isExecuted(options?: FetchOptions): boolean {
    return this.sessionFor(optionsObject(options, 'isExecuted', ['session']).session)?.isExecuted(this.node) ?? false;
  }

  /**
   * Frees this handle's cached result in the session (it is recomputed if asked for again); with
   * `keepCached`, leaves it as evictable cache instead.
   */
  release(options?: FetchOptions & { readonly keepCached?: boolean }): boolean {
    const { session, keepCached } = optionsObject(options, 'release', ['session', 'keepCached']);
    const keep = booleanOption(keepCached, 'keepCached', false);
    return this.sessionFor(session)?.release(this.node, { keepCached: keep }) ?? false;
  }

  /**
   * Graphviz text of the DAG behind this handle; a node the session tiled shows the strategies its op
   * chose there (`plan: ...` lines, from `sess.info.plans`).
   */
  toDot(options?: FetchOptions): string {
    const plans = this.sessionFor(optionsObject(options, 'toDot', ['session']).session)?.info.plans ?? [];
    const byKey = new Map(plans.map((p) => [p.key, p.decisions]));
    return tileableToDot([this.node], 'tessera', (k) => byKey.get(k));
  }

  toString(): string {
    return reprNode(this.node);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
