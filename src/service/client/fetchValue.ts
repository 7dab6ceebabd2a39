/**
 * Fetching one value of a remote session, through shared memory when the server is on this host
 * (server/handoff.ts) and over the socket otherwise. The first fetch that could be big asks the server
 * where its hand-off directory is and reads the probe there: a client that can read it sends its secret
 * with every fetch and gets big results as a file it copies out piece by piece while the server still
 * writes (the answer's body says how far the file is written, fileCopy.ts), then gives the file back
 * with its next request (the server reuses it for this session's next big result). A client that
 * cannot read the probe (another host, another user, no /dev/shm), a session made with
 * `sharedMemory: false`, and any hand-off that fails use the socket.
 */
import { type RecordBatch, RecordBatchReader, Table } from 'apache-arrow';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import type { TypedArray } from '../../base/dtypes.js';
import { CancelledError } from '../../base/errors.js';
import type { TileableNode } from '../../dag/nodes.js';
import { materialisedBytes } from '../../ops/tensor/meta.js';
import {
  ARROW_TYPE, decodeValue, HANDOFF_FILE_HEADER, HANDOFF_LENGTH_HEADER, HANDOFF_MIN_BYTES, HANDOFF_SECRET_HEADER, HANDOFF_TYPE, VALUE_TYPE_HEADER,
} from '../wire/values.js';
import type { Channel } from './channel.js';
import { ServerUnreachableError } from './errors.js';
import { FileCopy } from './fileCopy.js';
import type { WireResponse } from './http.js';

/** What a hand-off directory, probe, secret and file name look like: nothing else is read or unlinked. */
const DIR_NAME = /^tessera-handoff-\d+-[A-Za-z0-9]+$/;
const PROBE_NAME = /^probe-[0-9a-f]{32}$/;
const SECRET = /^[0-9a-f]{64}$/;
const FILE_NAME = /^[0-9a-f]{32}$/;

interface Handoff {
  readonly dir: string;
  readonly secret: string;
}

export class ValueFetcher {
  /** How many values came through shared memory and how many over the socket. */
  readonly transfers = { sharedMemory: 0, socket: 0 };
  readonly #channel: Channel;
  /** Undefined until asked; null when this client cannot use the server's shared memory. */
  #handoff: Promise<Handoff | null> | undefined;

  constructor(channel: Channel, sharedMemory: boolean) {
    this.#channel = channel;
    if (!sharedMemory) this.#handoff = Promise.resolve(null);
  }

  /** The value of `node` on the server (executed, or a slice of an executed result). */
  /** `into`: the caller's array a tensor is read into when its size is what it says (no copy after). */
  async fetch(node: TileableNode, signal: AbortSignal, into?: TypedArray): Promise<unknown> {
    const handoff = mayBeBig(node) ? await (this.#handoff ??= this.#negotiate()) : null;
    const headers = handoff ? { [HANDOFF_SECRET_HEADER]: handoff.secret } : undefined;
    // A big tensor's array is made while the server works: a new array's first touch of each page and
    // the garbage collection its size sets off take milliseconds.
    const expected = materialisedBytes(node);
    let ready: Uint8Array | undefined = into ? new Uint8Array(into.buffer, into.byteOffset, into.byteLength) : undefined;
    const onSent = expected !== undefined && expected >= HANDOFF_MIN_BYTES ? () => void (ready ??= new Uint8Array(expected)) : undefined;
    const response = await this.#channel.send('remote/fetch', { key: node.key }, [node], { signal, ...(headers ? { headers } : {}), ...(onSent ? { onSent } : {}) });
    const type = response.headers.get('content-type') ?? '';
    if (!handoff || !type.startsWith(HANDOFF_TYPE)) {
      const body = await this.#channel.conn.bytes(response, signal, ready);
      this.transfers.socket++;
      return decodeValue(type, (h) => response.headers.get(h), body);
    }
    try {
      const bytes = await this.#readHandoff(handoff, response, ready);
      this.transfers.sharedMemory++;
      return decodeValue(response.headers.get(VALUE_TYPE_HEADER) ?? '', (h) => response.headers.get(h), bytes);
    } catch (e) {
      if (signal.aborted || e instanceof CancelledError) throw e;
      // The hand-off broke (the file went, /dev/shm filled up): this client uses the socket from now on.
      this.#handoff = Promise.resolve(null);
      return this.fetch(node, signal, into);
    }
  }

  /**
   * A table's record batches as they arrive over the socket (the server sends the result as an Arrow IPC
   * stream, one batch per chunk): this client never holds the whole table. Never through the hand-off,
   * which hands over the whole value at once.
   */
  async *batches(node: TileableNode, signal: AbortSignal): AsyncGenerator<RecordBatch> {
    const response = await this.#channel.send('remote/fetch', { key: node.key }, [node], { signal });
    const type = response.headers.get('content-type') ?? '';
    this.transfers.socket++;
    if (!type.startsWith(ARROW_TYPE)) {
      const value = decodeValue(type, (h) => response.headers.get(h), await this.#channel.conn.bytes(response, signal));
      if (value instanceof Table) yield* value.batches;
      return;
    }
    let reader: RecordBatchReader;
    try {
      reader = await RecordBatchReader.from(response.body as AsyncIterable<Uint8Array>);
      for await (const batch of reader) yield batch;
    } catch (e) {
      if (signal.aborted || e instanceof CancelledError) throw e;
      throw new ServerUnreachableError(this.#channel.conn.address, `the Arrow stream of a result broke off (${(e as Error).message})`);
    }
  }

  /** Where the server's hand-off is, if this client can read it; asked again later if the server could not be reached. */
  async #negotiate(): Promise<Handoff | null> {
    let where: { dir?: unknown; probe?: unknown };
    try {
      where = (await (await this.#channel.conn.request('/v1/handoff')).json()) as typeof where;
    } catch {
      this.#handoff = undefined;
      return null;
    }
    const { dir, probe } = where;
    if (typeof dir !== 'string' || typeof probe !== 'string' || !isAbsolute(dir) || !DIR_NAME.test(basename(dir)) || !PROBE_NAME.test(probe)) return null;
    try {
      const secret = await readFile(join(dir, probe), 'utf8');
      return SECRET.test(secret) ? { dir, secret } : null;
    } catch {
      // Another host, another OS user, or no /dev/shm here: the socket it is.
      return null;
    }
  }

  /** Copies the file out as the server writes it, checks it got every byte, and gives the file back. */
  async #readHandoff(handoff: Handoff, response: WireResponse, ready: Uint8Array | undefined): Promise<Uint8Array> {
    const name = response.headers.get(HANDOFF_FILE_HEADER) ?? '';
    const length = Number(response.headers.get(HANDOFF_LENGTH_HEADER));
    if (!FILE_NAME.test(name) || !Number.isSafeInteger(length) || length < 0) throw new ServerUnreachableError(this.#channel.conn.address, 'a hand-off answer without a valid file name and length');
    // Opened and closed synchronously: microseconds on tmpfs, where a trip through libuv's thread pool
    // can cost milliseconds on a busy machine.
    let fd: number;
    try {
      fd = openSync(join(handoff.dir, name), 'r');
    } catch (e) {
      this.#channel.handoffDone(name);
      throw e;
    }
    const out = ready?.byteLength === length ? ready : new Uint8Array(length);
    const copy = new FileCopy(fd, out);
    try {
      let marks = Buffer.alloc(0);
      for await (const chunk of response.body) {
        marks = marks.length === 0 ? Buffer.from(chunk) : Buffer.concat([marks, chunk]);
        const whole = marks.length - (marks.length % 8);
        if (whole === 0) continue;
        copy.written(marks.readDoubleLE(whole - 8));
        marks = marks.subarray(whole);
      }
      await copy.finish();
      if (copy.copied !== length) throw new ServerUnreachableError(this.#channel.conn.address, 'the hand-off ended before the whole result was written');
      return out;
    } finally {
      // No read of ours is left when the server may write the file again.
      await copy.settled();
      closeSync(fd);
      this.#channel.handoffDone(name);
    }
  }
}

/** Whether a node's result may be big enough for the hand-off (unknown sizes may be). */
function mayBeBig(node: TileableNode): boolean {
  const bytes = materialisedBytes(node);
  return bytes === undefined || !Number.isFinite(bytes) || bytes >= HANDOFF_MIN_BYTES;
}
