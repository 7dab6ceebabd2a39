/**
 * One remote session's line to its server: the session's id once created, which nodes the server holds
 * for it, and the releases, forgets and read hand-off files still to tell it. Every request carries the nodes it needs that
 * the server does not hold yet and whatever releases are pending; the server applies them first, so
 * they arrive in order with the work. A node the server holds is forgotten there once no node object of
 * this client with its key is alive (a finalizer counts them); if a request still names one (two
 * requests crossed), the server says which are missing and the request is sent again with them.
 */
import type { TileableNode } from '../../dag/nodes.js';
import { encodeFrame } from '../wire/frame.js';
import { collectNodes, toWire } from '../wire/nodes.js';
import { RemoteSessionLostError } from './errors.js';
import { type Connection, type RequestOptions, statusOf, type WireResponse } from './http.js';

/** Releases and forgets wait at most this long for a request to carry them. */
const FLUSH_DELAY_MS = 1000;

/** What a request carries besides its own fields. */
interface Pending {
  release?: [string, boolean][];
  forget?: string[];
  handoffDone?: string[];
}

export class Channel {
  readonly conn: Connection;
  readonly #opened: Promise<string>;
  #id: string | undefined;
  readonly #known = new Set<string>();
  readonly #liveObjects = new Map<string, number>();
  readonly #objects = new FinalizationRegistry<string>((key) => this.#objectGone(key));
  #releases: [string, boolean][] = [];
  #forgets: string[] = [];
  #handoffDone: string[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(conn: Connection, create: () => Promise<string>) {
    this.conn = conn;
    this.#opened = create().then((id) => (this.#id = id));
    // Creation failures surface at the first use; an unused session must not report them as unhandled.
    this.#opened.catch(() => undefined);
  }

  get id(): string | undefined {
    return this.#id;
  }

  opened(): Promise<string> {
    return this.#opened;
  }

  isKnown(key: string): boolean {
    return this.#known.has(key);
  }

  /** Keys the server holds because it gave them to us (persisted graphs from getNamed). */
  markKnown(node: TileableNode): void {
    this.#remember(node);
  }

  release(key: string, keepCached: boolean): void {
    if (this.#closed) return;
    this.#releases.push([key, keepCached]);
    this.#scheduleFlush();
  }

  /** The client has read the hand-off file `name`: the server may write it again. */
  handoffDone(name: string): void {
    if (this.#closed) return;
    this.#handoffDone.push(name);
    this.#scheduleFlush();
  }

  /** A request to `/v1/sessions/:id/<path>` with a frame body carrying `body`, the nodes `roots` need, and pending releases. */
  async send(path: string, body: Record<string, unknown>, roots: readonly TileableNode[], options: Omit<RequestOptions, 'frame' | 'json'> = {}): Promise<WireResponse> {
    const id = await this.#opened;
    let everything = false;
    for (;;) {
      const nodes = collectNodes(roots, everything ? () => false : (k) => this.#known.has(k));
      const pending = this.#takePending();
      const frame = encodeFrame({ ...body, nodes: nodes.map(toWire), ...pending });
      for (const n of nodes) this.#remember(n);
      try {
        return await this.conn.request(`/v1/sessions/${id}/${path}`, { ...options, frame });
      } catch (e) {
        this.#restore(pending);
        if ((e as { code?: string }).code === 'UnknownInput' && !everything) {
          everything = true;
          continue;
        }
        throw this.#lost(e, id);
      }
    }
  }

  /** A JSON request to a path of the session (store routes, sync). */
  async json(path: string, json: Record<string, unknown>, options: Omit<RequestOptions, 'frame' | 'json'> = {}): Promise<WireResponse> {
    const id = await this.#opened;
    const pending = this.#takePending();
    try {
      return await this.conn.request(`/v1/sessions/${id}/${path}`, { ...options, json: { ...json, ...pending } });
    } catch (e) {
      this.#restore(pending);
      throw this.#lost(e, id);
    }
  }

  /** Cancels the runs given up (by their request ids), and resolves once every run of the session has ended on the server. */
  async settle(cancel: readonly string[]): Promise<void> {
    if (this.#id === undefined) return;
    await (await this.json('remote/sync', { settle: true, cancel })).arrayBuffer();
  }

  /** Tells the server the pending releases now (and that the client is alive). */
  async sync(): Promise<void> {
    if (this.#closed || this.#id === undefined) return;
    await (await this.json('remote/sync', {})).arrayBuffer();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#flushTimer);
    this.#releases = [];
    this.#forgets = [];
    this.#handoffDone = [];
  }

  /** A 404 for the session itself means the server no longer has it. */
  #lost(e: unknown, id: string): unknown {
    return statusOf(e) === 404 && (e as { code?: string }).code === 'SessionNotFound' ? new RemoteSessionLostError(this.conn.address, id) : e;
  }

  #takePending(): Pending {
    const out: Pending = {};
    if (this.#releases.length > 0) out.release = this.#releases;
    if (this.#forgets.length > 0) out.forget = this.#forgets;
    if (this.#handoffDone.length > 0) out.handoffDone = this.#handoffDone;
    this.#releases = [];
    this.#forgets = [];
    this.#handoffDone = [];
    return out;
  }

  /** A request that failed before the server answered: what it carried is still to be said. */
  #restore(pending: Pending): void {
    if (this.#closed) return;
    this.#releases.unshift(...(pending.release ?? []));
    this.#forgets.unshift(...(pending.forget ?? []));
    this.#handoffDone.unshift(...(pending.handoffDone ?? []));
  }

  #remember(node: TileableNode): void {
    this.#known.add(node.key);
    this.#liveObjects.set(node.key, (this.#liveObjects.get(node.key) ?? 0) + 1);
    this.#objects.register(node, node.key);
  }

  #objectGone(key: string): void {
    const n = (this.#liveObjects.get(key) ?? 1) - 1;
    if (n > 0) {
      this.#liveObjects.set(key, n);
      return;
    }
    this.#liveObjects.delete(key);
    this.#known.delete(key);
    if (this.#closed) return;
    this.#forgets.push(key);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushTimer !== undefined || this.#closed) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      this.sync().catch(() => undefined);
    }, FLUSH_DELAY_MS);
    this.#flushTimer.unref();
  }
}
