/**
 * The HTTP side of `tessera sessions`: one request to the server's REST API (issue 10 §2) with the
 * bearer token, and its failures as `CliError`s that carry the exit code the command ends with — the
 * server not reachable, the token refused, a session that does not exist for this token, or whatever
 * else the server said (its JSON `message`, never a stack).
 */
import { TesseraError } from '../base/errors.js';

/** Exit codes of `tessera sessions`, stable for scripts. */
export const EXIT = {
  ok: 0,
  /** The server answered with an error (a bad request, a conflict, a server error). */
  failed: 1,
  /** The command line is wrong. */
  usage: 2,
  /** No server answers at the address. */
  unreachable: 3,
  /** The server refused the token (401). */
  unauthorized: 4,
  /** No such session for this token (404). */
  notFound: 5,
  /** Part of the work failed: a replica was not created, a session was not deleted. */
  partial: 6,
} as const;

export class CliError extends TesseraError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super('CliFailed', message);
  }
}

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
}

export type Fetch = typeof fetch;

export class SessionsApi {
  readonly #base: URL;

  constructor(
    address: string,
    private readonly token: string,
    private readonly fetchImpl: Fetch = fetch,
  ) {
    let base: URL;
    try {
      base = new URL(address);
    } catch {
      throw new CliError(`--address ${JSON.stringify(address)} is not a URL; write it as http://HOST:PORT.`, EXIT.usage);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new CliError(`--address must be an http:// or https:// URL, got ${base.protocol}//.`, EXIT.usage);
    }
    this.#base = base;
  }

  /** The response of a successful request (2xx); anything else is a CliError. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = new URL(path, this.#base);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
    } catch (e) {
      throw unreachable(this.#base, e);
    }
    if (res.ok) return res;
    throw await httpError(res, `${method} ${url.pathname}`);
  }

  async json<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    const res = await this.request(method, path, options);
    const text = await res.text();
    try {
      return (text === '' ? undefined : JSON.parse(text)) as T;
    } catch {
      throw new CliError(`The server's answer to ${method} ${path} is not JSON: ${text.slice(0, 200)}`, EXIT.failed);
    }
  }
}

export function unreachable(base: URL, e: unknown): CliError {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (e as Error).message;
  return new CliError(`Cannot reach the server at ${base.origin} (${why}). Is \`tessera serve\` running there?`, EXIT.unreachable);
}

async function httpError(res: Response, what: string): Promise<CliError> {
  const text = await res.text().catch(() => '');
  let message = text.trim();
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // not JSON: the text itself is the message
  }
  const said = message ? `: ${message.replace(/\.$/, '')}` : '';
  switch (res.status) {
    case 401:
      return new CliError(`The server refused the token (401)${said}. Check --token.`, EXIT.unauthorized);
    case 404:
      return new CliError(`Not found (404)${said}.`, EXIT.notFound);
    default:
      return new CliError(`${what} failed with ${res.status} ${res.statusText}${said}.`, EXIT.failed);
  }
}
