/**
 * A remote session's options, resolved once when it is created: where the server is, the token, and
 * what session to ask it for (GraphScope's `session(addr=...)` with its `dangling_timeout`, Mars's
 * `new_session(url)`). Unknown keys and bad values are errors naming them, as for local sessions.
 */
import { MAX_TIMER_SECONDS } from '../../base/async.js';
import { OptionError, UnknownOptionError } from '../../base/errors.js';
import { show } from '../../base/show.js';
import { parseSize } from '../../base/size.js';

export interface RemoteSessionOptions {
  /** The server, e.g. 'http://127.0.0.1:7077'. */
  readonly address: string;
  /** A bearer token the server accepts. */
  readonly token: string;
  readonly mode?: 'eager' | 'lazy';
  /** Worker threads the server gives the session (1..256; default: the server's choice). */
  readonly workers?: number;
  /** The session's memory on the server: bytes or a size like '2Gi' (default: the server's choice). */
  readonly memoryLimit?: string | number;
  /**
   * Seconds the server keeps the session while its client is silent (GraphScope's option; default 60,
   * from 0.1 to MAX_TIMER_SECONDS): sent with the create request, and the client says it is alive every
   * third of it, so a script that dies leaves nothing behind for long.
   */
  readonly danglingTimeout?: number;
  /** Make it the default session (default true). */
  readonly default?: boolean;
  /** The session's name on the server: letters, digits and '-', at most 57 (default 'remote'). */
  readonly name?: string;
  /** How long a request may wait for the server to start answering, in ms (default 60 000). */
  readonly requestTimeout?: number;
  /**
   * Big results come through shared memory (/dev/shm) when the server is on this host and this OS
   * user can read its files (default true); false sends every result over the socket.
   */
  readonly sharedMemory?: boolean;
}

export interface ResolvedRemoteOptions {
  readonly address: string;
  readonly token: string;
  readonly mode: 'eager' | 'lazy';
  readonly workers: number | undefined;
  readonly memoryLimit: number | undefined;
  readonly danglingTimeout: number;
  readonly default: boolean;
  readonly name: string;
  readonly requestTimeout: number;
  readonly sharedMemory: boolean;
}

const MIN_DANGLING_TIMEOUT = 0.1;

const KNOWN = ['address', 'token', 'mode', 'workers', 'memoryLimit', 'danglingTimeout', 'default', 'name', 'requestTimeout', 'sharedMemory'] as const;

export function resolveRemoteOptions(options: RemoteSessionOptions): ResolvedRemoteOptions {
  if (typeof options !== 'object' || options === null) throw new OptionError(`newSession takes an options object, got ${show(options)}.`);
  const unknown = Object.keys(options).filter((k) => !(KNOWN as readonly string[]).includes(k));
  if (unknown.length > 0) throw new UnknownOptionError(unknown, 'the remote session options', KNOWN);
  const { address, token, mode = 'eager', workers, memoryLimit, danglingTimeout = 60, name = 'remote', requestTimeout = 60_000 } = options;
  let url: URL | undefined;
  try {
    url = new URL(address);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new OptionError(`address must be the server's http(s) URL, e.g. 'http://127.0.0.1:7077', got ${show(address)}.`);
  if (typeof token !== 'string' || token.length === 0) throw new OptionError('token must be a non-empty string: one of the tokens the server was started with.');
  if (mode !== 'eager' && mode !== 'lazy') throw new OptionError(`mode must be 'eager' or 'lazy', got ${show(mode)}.`);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 256)) throw new OptionError(`workers must be an integer from 1 to 256, got ${show(workers)}.`);
  const bytes = memoryLimit === undefined ? undefined : typeof memoryLimit === 'string' ? parseSize(memoryLimit, 'memoryLimit') : memoryLimit;
  if (bytes !== undefined && (!Number.isSafeInteger(bytes) || bytes < 1)) throw new OptionError(`memoryLimit must be a positive number of bytes or a size like '2Gi', got ${show(memoryLimit)}.`);
  // The heartbeat runs every third of it: at least every 33 ms, and within what a timer can wait.
  if (typeof danglingTimeout !== 'number' || !(danglingTimeout >= MIN_DANGLING_TIMEOUT && danglingTimeout <= MAX_TIMER_SECONDS)) {
    throw new OptionError(`danglingTimeout must be a number of seconds from ${MIN_DANGLING_TIMEOUT} to ${MAX_TIMER_SECONDS}, got ${show(danglingTimeout)}.`);
  }
  if (options.default !== undefined && typeof options.default !== 'boolean') throw new OptionError(`default must be true or false, got ${show(options.default)}.`);
  if (typeof name !== 'string' || !/^[A-Za-z0-9-]{1,57}$/.test(name)) throw new OptionError(`name must be letters, digits and '-', at most 57 of them, got ${show(name)}.`);
  if (typeof requestTimeout !== 'number' || !(requestTimeout > 0)) throw new OptionError(`requestTimeout must be a positive number of milliseconds, got ${show(requestTimeout)}.`);
  if (options.sharedMemory !== undefined && typeof options.sharedMemory !== 'boolean') throw new OptionError(`sharedMemory must be true or false, got ${show(options.sharedMemory)}.`);
  return { address: url.origin, token, mode, workers, memoryLimit: bytes, danglingTimeout, default: options.default ?? true, name, requestTimeout, sharedMemory: options.sharedMemory ?? true };
}
