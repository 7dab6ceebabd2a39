/**
 * The client's HTTP connection to a Tessera server, over node:http with a keep-alive agent of its own
 * (built-in fetch costs about 0.4 ms of client CPU a request more: WHATWG streams, signals and headers
 * objects, a third of a tiny remote op's time). Every request carries the bearer token and is bounded
 * in time until the server starts answering, so a dead or wrong address is a `ServerUnreachable` error,
 * never a hang; a long run is not bounded, because the server answers its run requests at once and then
 * streams. Error bodies (`{error: {code, message, name, props}}`) come back as errors of their own class.
 */
import { type Agent as HttpAgent, type IncomingMessage, request as httpRequest, Agent } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Called once the request has gone out: the caller prepares for the answer while the server works. */
  readonly onSent?: () => void;
}

/** A response whose status is 2xx: its headers, and its body read once (as bytes, JSON, text or chunks). */
export class WireResponse {
  readonly status: number;
  readonly #message: IncomingMessage;

  constructor(message: IncomingMessage) {
    this.#message = message;
    this.status = message.statusCode ?? 0;
  }

  readonly headers = {
    get: (name: string): string | null => {
      const v = this.#message.headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
  };

  /** The body's chunks as they arrive. */
  get body(): AsyncIterable<Uint8Array> {
    return this.#message;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.#all();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return (await this.#all()).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  /**
   * Copies the body into `out` as it arrives, with 'data' events (no async iterator step, no chunk
   * list to join); resolves with the body's length, which is more than `out` holds when it overflowed.
   */
  readInto(out: Uint8Array): Promise<number> {
    const message = this.#message;
    return new Promise((resolve, reject) => {
      let at = 0;
      message.on('data', (chunk: Buffer) => {
        if (at + chunk.byteLength > out.byteLength) {
          message.destroy();
          resolve(at + chunk.byteLength);
          return;
        }
        out.set(chunk, at);
        at += chunk.byteLength;
      });
      message.once('end', () => resolve(at));
      message.once('error', reject);
      message.once('close', () => {
        if (!message.complete) reject(new Error('the connection closed in the middle of an answer'));
      });
    });
  }

  async #all(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.#message) chunks.push(chunk as Buffer);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
}

/** A frame body up to this size goes out in one write with the headers; a bigger one part by part, uncopied. */
const JOIN_BELOW = 64 * 1024;

export class Connection {
  readonly address: string;
  /** How long a request waits for the server to start answering. */
  readonly timeoutMs: number;
  readonly #auth: string;
  readonly #agent: HttpAgent;
  readonly #request: typeof httpRequest;

  constructor(address: string, token: string, timeoutMs: number) {
    this.address = address.replace(/\/+$/, '');
    this.#auth = `Bearer ${token}`;
    this.timeoutMs = timeoutMs;
    const https = this.address.startsWith('https:');
    // Idle kept-alive sockets are unref'd by the agent: an idle session does not keep the process up.
    this.#agent = https ? new HttpsAgent({ keepAlive: true }) : new Agent({ keepAlive: true });
    this.#request = https ? httpsRequest : httpRequest;
  }

  /**
   * The response once the server started answering (2xx), or its error. The caller's signal keeps
   * governing the response's body: aborting it breaks a body still being read.
   */
  async request(path: string, options: RequestOptions = {}): Promise<WireResponse> {
    try {
      return await this.#send(path, options);
    } catch (e) {
      // A kept-alive connection the server closed (it restarted) fails before the request reaches it:
      // one fresh attempt says what the server that is there now thinks.
      if (!(e instanceof StaleSocket) || options.signal?.aborted) throw e instanceof StaleSocket ? e.error : e;
      return this.#send(path, options).catch((again: unknown) => {
        throw again instanceof StaleSocket ? again.error : again;
      });
    }
  }

  /** Closes the idle kept-alive sockets (requests still going finish on theirs). */
  close(): void {
    this.#agent.destroy();
  }

  #send(path: string, options: RequestOptions): Promise<WireResponse> {
    const headers: Record<string, string | number> = { authorization: this.#auth, ...options.headers };
    let body: readonly Uint8Array[] = [];
    if (options.frame) {
      headers['content-type'] = FRAME_TYPE;
      headers['content-length'] = options.frame.byteLength;
      const chunks = options.frame.chunks;
      body = options.frame.byteLength < JOIN_BELOW && chunks.length > 1 ? [Buffer.concat(chunks as Uint8Array[], options.frame.byteLength)] : chunks;
    } else if (options.json !== undefined) {
      const text = Buffer.from(JSON.stringify(options.json), 'utf8');
      headers['content-type'] = 'application/json';
      headers['content-length'] = text.byteLength;
      body = [text];
    }
    const method = options.method ?? (body.length > 0 ? 'POST' : 'GET');
    const signal = options.signal;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise<WireResponse>((resolve, reject) => {
      if (signal?.aborted) return reject(reasonOf(signal));
      let answered = false;
      const req = this.#request(this.address + path, { method, headers, agent: this.#agent });
      const fail = (e: Error): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        req.destroy(e);
        if (!answered) reject(e);
      };
      const onAbort = (): void => fail(reasonOf(signal!));
      const timer = setTimeout(() => fail(new ServerUnreachableError(this.address, `no answer within ${timeoutMs} ms`)), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (answered) return;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        answered = true;
        if (signal?.aborted) return reject(reasonOf(signal));
        const error = new ServerUnreachableError(this.address, e.code ?? e.message);
        reject(req.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE') ? new StaleSocket(error) : error);
      });
      req.on('response', (message) => {
        answered = true;
        clearTimeout(timer);
        // A body broken while no one reads it must not become an uncaught 'error': readers see it anyway.
        message.on('error', () => undefined);
        // From here the signal breaks the body: readers see the abort's reason.
        if (signal) {
          const onBodyAbort = (): void => void message.destroy(reasonOf(signal));
          signal.removeEventListener('abort', onAbort);
          signal.addEventListener('abort', onBodyAbort, { once: true });
          message.once('close', () => signal.removeEventListener('abort', onBodyAbort));
        }
        const status = message.statusCode ?? 0;
        const response = new WireResponse(message);
        if (status >= 200 && status < 300) resolve(response);
        else this.#errorOf(response).then(reject, reject);
      });
      if (options.onSent) req.once('finish', options.onSent);
      // One chunk goes out with the headers in one write; several are corked into one writev.
      if (body.length === 1) return void req.end(body[0]);
      req.cork();
      for (const chunk of body) req.write(chunk);
      req.end();
      req.uncork();
    });
  }

  /**
   * The whole body of a response, mapping a broken connection to ServerUnreachable. With a known length
   * the chunks are copied straight into one buffer as they arrive: `into` when it has that length.
   */
  async bytes(response: WireResponse, signal?: AbortSignal, into?: Uint8Array): Promise<Uint8Array> {
    const length = Number(response.headers.get('content-length') ?? NaN);
    try {
      if (!Number.isSafeInteger(length)) return new Uint8Array(await response.arrayBuffer());
      const out = into?.byteLength === length ? into : new Uint8Array(length);
      const got = await response.readInto(out);
      if (got > length) throw new ServerUnreachableError(this.address, 'the answer was longer than it said');
      if (got !== length) throw new ServerUnreachableError(this.address, 'the connection closed in the middle of an answer');
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
  async frames(response: WireResponse, onFrame: (frame: unknown) => void, signal?: AbortSignal): Promise<void> {
    const reader = new FrameReader();
    const chunks = response.body[Symbol.asyncIterator]();
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

  /** Why reading failed: the abort's reason (the caller's), else the network's error. */
  #failure(e: unknown, signal: AbortSignal | undefined): Error {
    if (signal?.aborted) return reasonOf(signal);
    const cause = e as { code?: string; message?: string };
    return new ServerUnreachableError(this.address, cause.code ?? cause.message ?? String(e));
  }

  async #errorOf(response: WireResponse): Promise<Error> {
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
      message: e?.message ?? `The server answered ${response.status}.`,
      ...(e?.props ? { props: e.props } : {}),
    });
    Object.defineProperty(err, 'status', { value: response.status, enumerable: false });
    return err;
  }
}

/** A request that failed on a kept-alive socket the server had closed: worth one fresh attempt. */
class StaleSocket extends Error {
  readonly error: Error;
  constructor(error: Error) {
    super(error.message);
    this.error = error;
  }
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CancelledError();
}

/** The HTTP status of an error the server answered with, if it was one. */
export function statusOf(e: unknown): number | undefined {
  const s = (e as { status?: unknown } | undefined)?.status;
  return typeof s === 'number' ? s : undefined;
}
