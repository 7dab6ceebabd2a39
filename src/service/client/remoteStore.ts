/**
 * A remote session's object store, as Vineyard's RPC client: the same calls as the local store
 * (store/objectStore.ts), each a request to the session's server, so each returns a promise. `get`
 * decodes a value (raw tensor bytes, Arrow IPC, or a frame); `stream` hands the bytes over as they
 * arrive. Objects and names are this token's: another token's do not exist here.
 */
import { InvalidError } from '../../store/errors.js';
import type { ObjectID } from '../../store/objectId.js';
import type { ObjectMeta } from '../../store/objectMeta.js';
import { checkedLabels, type DeleteOptions, type DeleteReport, type IdLike, type ListOptions, type PutOptions, type StoreStatus } from '../../store/objectStore.js';
import { decodeFrame } from '../wire/frame.js';
import { decodeValue } from '../wire/values.js';
import type { Channel } from './channel.js';
import type { WireResponse } from './http.js';

export interface RemoteGetNameOptions {
  readonly wait?: boolean;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

const idText = (id: IdLike): string => (typeof id === 'string' ? id : id.toString());

export class RemoteStore {
  readonly #channel: Channel;
  readonly #check: () => void;

  constructor(channel: Channel, check: () => void) {
    this.#channel = channel;
    this.#check = check;
  }

  async #json<T>(path: string, body: Record<string, unknown>, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<T> {
    this.#check();
    return (await (await this.#channel.json(`store/${path}`, body, options)).json()) as T;
  }

  async #frame<T>(path: string, body: Record<string, unknown>): Promise<T> {
    this.#check();
    const response = await this.#channel.json(`store/${path}`, body);
    return decodeFrame(await this.#channel.conn.bytes(response)) as T;
  }

  status(): Promise<StoreStatus> {
    return this.#frame('status', {});
  }

  /** Metas of the objects whose typename matches (glob, or a full-match regex), oldest first; at most `limit` (5). */
  list(pattern: string, options: ListOptions = {}): Promise<ObjectMeta[]> {
    return this.#frame('list', { pattern, ...options });
  }

  async getMeta(id: IdLike): Promise<ObjectMeta> {
    return (await this.getMetas([id]))[0]!;
  }

  getMetas(ids: readonly IdLike[]): Promise<ObjectMeta[]> {
    return this.#frame('metas', { ids: ids.map(idText) });
  }

  async exists(id: IdLike): Promise<boolean> {
    return (await this.#json<{ exists: boolean }>('exists', { id: idText(id) })).exists;
  }

  /** The value of an object (a blob as its typed array); an object with no value as `{kind: 'object', meta}`. */
  async get(target: IdLike | { readonly name: string }): Promise<unknown> {
    const response = await this.#getResponse(target);
    const bytes = await this.#channel.conn.bytes(response);
    return decodeValue(response.headers.get('content-type') ?? '', (h) => response.headers.get(h), bytes);
  }

  /** The bytes `get` decodes, as they arrive: raw data for a tensor or blob, Arrow IPC for a table, else a frame. */
  async *stream(target: IdLike | { readonly name: string }): AsyncGenerator<Uint8Array> {
    const response = await this.#getResponse(target);
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) yield chunk;
  }

  #getResponse(target: IdLike | { readonly name: string }): Promise<WireResponse> {
    this.#check();
    const body = typeof target === 'object' && 'name' in target ? { name: target.name } : { id: idText(target as IdLike) };
    return this.#channel.json('store/get', body);
  }

  async put(value: unknown, options: PutOptions = {}): Promise<string> {
    this.#check();
    const response = await this.#channel.send('store/put', { value, options }, []);
    return ((await response.json()) as { id: string }).id;
  }

  delete(ids: IdLike | readonly IdLike[], options: DeleteOptions = {}): Promise<DeleteReport> {
    const list = (Array.isArray(ids) ? ids : [ids]) as readonly IdLike[];
    return this.#frame('delete', { ids: list.map(idText), ...options });
  }

  /** Sets one label (or several): the only change an object's meta allows after sealing (Vineyard's `label`). */
  label(id: IdLike, key: string, value: string): Promise<void>;
  label(id: IdLike, labels: Readonly<Record<string, string>>): Promise<void>;
  async label(id: IdLike, key: string | Readonly<Record<string, string>>, value?: string): Promise<void> {
    await this.#json('label', { id: idText(id), labels: checkedLabels(key, value) });
  }

  /** A new object sharing the members and data of `id` (persisted if it is), plus extra primitive fields. */
  async shallowCopy(id: IdLike, extraMeta: Readonly<Record<string, unknown>> = {}): Promise<string> {
    return (await this.#json<{ id: string }>('shallow-copy', { id: idText(id), extra: extraMeta })).id;
  }

  /** Drops every transient object of the session's store (usage → 0); what it persisted too with `includePersisted`. */
  async clear(options: { readonly includePersisted?: boolean } = {}): Promise<void> {
    await this.#json('clear', options.includePersisted === undefined ? {} : { includePersisted: options.includePersisted });
  }

  async persist(id: IdLike): Promise<void> {
    await this.#json('persist', { id: idText(id) });
  }

  async putName(id: IdLike, name: string, options: { readonly overwrite?: boolean } = {}): Promise<void> {
    await this.#json('names/put', { id: idText(id), name, overwrite: options.overwrite === true });
  }

  /** The id bound to `name`; with `wait`, parks until a session of this token binds it (or the timeout). */
  async getName(name: string, options: RemoteGetNameOptions = {}): Promise<string> {
    const timeoutMs = options.timeoutMs;
    const body = { name, wait: options.wait === true, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
    const wait = options.wait ? { timeoutMs: (timeoutMs ?? 300_000) + 60_000 } : {};
    return (await this.#json<{ id: string }>('names/get', body, { ...wait, ...(options.signal ? { signal: options.signal } : {}) })).id;
  }

  async dropName(name: string): Promise<void> {
    await this.#json('names/drop', { name });
  }

  /** Names matching the pattern (glob or full-match regex), sorted, at most `limit` (5). */
  async listNames(pattern: string, options: ListOptions = {}): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.#json<Record<string, string>>('names/list', { pattern, ...options })));
  }
}

export type { ObjectID };
