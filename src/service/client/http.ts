/**
 * The client's HTTP connection to a Tessera server, over Node's built-in fetch (keep-alive on loopback).
 * Every request carries the bearer token and is bounded in time until the server starts answering, so
 * a dead or wrong address is a `ServerUnreachable` error, never a hang; a long run is not bounded,
 * because the server answers its run requests at once and then streams. Error bodies
 * (`{error: {code, message, name, props}}`) come back as errors of their own class.
 */
import { CancelledError } from '../../base/errors.js';
import { FrameReader, type EncodedFrame } from '../wire/frame.js';
import { FRAME_TYPE } from '../wire/values.js';
import { rebuildError, ServerUnreachableError } from './errors.js';

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'DELETE';
  /** A JSON body, or a wire frame. */
  readonly json?: unknown;
  readonly frame?: EncodedFrame;
  readonly signal?: AbortSignal;
  /** Longer than the default bound (a name lookup that waits). */
  readonly timeoutMs?: number;
}

/** How undici says a pooled connection was closed under it. */
const STALE_SOCKET = /\((UND_ERR_SOCKET|ECONNRESET|EPIPE)\)/;

export class Connection {
  readonly address: string;
  /** How long a request waits for the server to start answering. */
  readonly timeoutMs: number;
  readonly #auth: string;
  readonly #timeoutMs: number;

  constructor(address: string, token: string, timeoutMs: number) {
    this.address = address.replace(/\/+$/, '');
    this.#auth = `Bearer ${token}`;
    this.#timeoutMs = timeoutMs;
    this.timeoutMs = timeoutMs;
  }

  /**
   * The response once the server started answering (2xx), or its error. The caller's signal keeps
   * governing the response's body: aborting it breaks a body still being read.
   */
  async request(path: string, options: RequestOptions = {}): Promise<Response> {
    try {
      return await this.#request(path, options);
    } catch (e) {
      // A kept-alive connection the server closed (it restarted) fails before the request reaches it:
      // one fresh attempt says what the server that is there now thinks.
      if (!(e instanceof ServerUnreachableError) || !STALE_SOCKET.test(e.message) || options.signal?.aborted) throw e;
      return this.#request(path, options);
    }
  }

  async #request(path: string, options: RequestOptions): Promise<Response> {
    const ctl = new AbortController();
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const timer = setTimeout(() => ctl.abort(new ServerUnreachableError(this.address, `no answer within ${timeoutMs} ms`)), timeoutMs);
    // Combined without a listener on the caller's signal, which may outlive many requests (a user's,
    // passed through by store.getName): a listener per request would pile up there.
    const signal = options.signal ? AbortSignal.any([options.signal, ctl.signal]) : ctl.signal;
    const headers: Record<string, string> = { authorization: this.#auth };
    let body: Uint8Array | string | undefined;
    if (options.frame) {
      headers['content-type'] = FRAME_TYPE;
      body = Buffer.concat(options.frame.chunks as Uint8Array[], options.frame.byteLength);
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    let response: Response;
    try {
      response = await fetch(this.address + path, { method: options.method ?? (body !== undefined ? 'POST' : 'GET'), headers, ...(body !== undefined ? { body: body as unknown as string } : {}), signal });
    } catch (e) {
      throw this.#failure(e, signal);
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) throw await this.#errorOf(response);
    return response;
  }

  /**
   * The whole body of a response, mapping a broken connection to ServerUnreachable. With a known length
   * the chunks are copied straight into one buffer as they arrive (`arrayBuffer()` gathers and joins
   * them: a third slower for a 64 MiB result).
   */
  async bytes(response: Response, signal?: AbortSignal): Promise<Uint8Array> {
    const length = Number(response.headers.get('content-length') ?? NaN);
    try {
      if (!Number.isSafeInteger(length) || response.body === null) return new Uint8Array(await response.arrayBuffer());
      const out = new Uint8Array(length);
      let at = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        if (at + chunk.byteLength > length) throw new ServerUnreachableError(this.address, 'the answer was longer than it said');
        out.set(chunk, at);
        at += chunk.byteLength;
      }
      if (at !== length) throw new ServerUnreachableError(this.address, 'the connection closed in the middle of an answer');
      return out;
    } catch (e) {
      if (e instanceof ServerUnreachableError) throw e;
      throw this.#failure(e, signal);
    }
  }

  /**
   * Reads a stream of frames, handing each to `onFrame`; resolves when the stream ends cleanly. What
   * `onFrame` throws propagates as it is (and stops reading); a broken connection is ServerUnreachable.
   */
  async frames(response: Response, onFrame: (frame: unknown) => void, signal?: AbortSignal): Promise<void> {
    const reader = new FrameReader();
    const chunks = (response.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    for (;;) {
      let step: IteratorResult<Uint8Array>;
      try {
        step = await chunks.next();
      } catch (e) {
        throw this.#failure(e, signal);
      }
      if (step.done) break;
      try {
        for (const frame of reader.push(step.value)) onFrame(frame);
      } catch (e) {
        void chunks.return?.()?.catch(() => undefined);
        throw e;
      }
    }
    if (!reader.idle) throw new ServerUnreachableError(this.address, 'the connection closed in the middle of an answer');
  }

  /** Why a request failed: the abort's reason (the caller's, or our timeout), else the network's error. */
  #failure(e: unknown, signal: AbortSignal | undefined): Error {
    if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : new CancelledError();
    // fetch reports a network failure as a TypeError whose cause is the socket's error.
    const cause = ((e as { cause?: unknown }).cause ?? e) as { code?: string; message?: string };
    return new ServerUnreachableError(this.address, cause.code ?? cause.message ?? String(e));
  }

  async #errorOf(response: Response): Promise<Error> {
    let parsed: { error?: { code?: string; message?: string; name?: string; props?: Record<string, unknown> } } | undefined;
    try {
      parsed = (await response.json()) as typeof parsed;
    } catch {
      parsed = undefined;
    }
    const e = parsed?.error;
    const err = rebuildError({
      name: e?.name ?? 'Error',
      code: e?.code ?? `HTTP${response.status}`,
      message: e?.message ?? `The server answered ${response.status} ${response.statusText}.`,
      ...(e?.props ? { props: e.props } : {}),
    });
    Object.defineProperty(err, 'status', { value: response.status, enumerable: false });
    return err;
  }
}

/** The HTTP status of an error the server answered with, if it was one. */
export function statusOf(e: unknown): number | undefined {
  const s = (e as { status?: unknown } | undefined)?.status;
  return typeof s === 'number' ? s : undefined;
}
