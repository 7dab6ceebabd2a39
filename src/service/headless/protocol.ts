/**
 * What the host and its child say to each other over the child's IPC channel, through comlink: the
 * child exposes `ChildApi` on the `api` channel, the host exposes `ChildHooks` on the `hooks` channel.
 * Failures travel as data (comlink keeps an error's message but drops its `code`).
 */
import type { ChunkBatch } from './chunkChannel.js';
import { HEADLESS_FAILURES, type HeadlessFailure } from './errors.js';

export const API_CHANNEL = 'api';
export const HOOKS_CHANNEL = 'hooks';

export interface ChildRequest {
  readonly modulePath: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workers: number;
  /** Bytes: the engine session's store limit (the heap limit is set on the child's command line). */
  readonly memory: number;
}

export type ChildOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: HeadlessFailure };

/**
 * What the child answered to `run`, if it has the shape of an outcome: the child runs user code, so the
 * host does not take its answer on trust. Anything else is a HostFailed outcome.
 */
export function checkedOutcome(answer: unknown): ChildOutcome {
  const a = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
  if (a['ok'] === true && 'result' in a) return { ok: true, result: a['result'] };
  const error = (a['ok'] === false && typeof a['error'] === 'object' && a['error'] !== null ? a['error'] : {}) as Record<string, unknown>;
  if ((HEADLESS_FAILURES as readonly unknown[]).includes(error['code']) && typeof error['message'] === 'string') {
    return { ok: false, error: { code: error['code'], message: error['message'] } as HeadlessFailure };
  }
  return { ok: false, error: { code: 'HostFailed', message: 'The child answered the run with something that is not an outcome.' } };
}

export interface ChildApi {
  /** Loads and runs the module once; never rejects (a failure is an outcome). */
  run(request: ChildRequest): Promise<ChildOutcome>;
  /** Closes the child's end of the channel, after which it exits. */
  exit(): void;
}

export interface ChildHooks {
  /** The child is listening: the host may call `run` now (a message sent earlier could be lost). */
  ready(): void;
  /** The module loaded and has a default export function. */
  loaded(detail: string): void;
  /** The engine session is open and the module is about to be called. */
  running(): void;
  /** The session's progress lines and the child's own notes (stdout/stderr reach the host through pipes). */
  log(text: string): void;
  /** The session's chunk events, batched (chunkChannel.ts): the dashboard draws the run from them. */
  chunks(batch: ChunkBatch): void;
}
