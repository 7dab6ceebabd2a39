/**
 * What a session checks of its callers' arguments: handles or nodes to fetch, `execute`/`run` options,
 * names; and the small helpers its methods share (session ids, waiting until an abort).
 */
import { randomBytes } from 'node:crypto';
import { optionsObject } from '../base/args.js';
import { CancelledError, InvalidArgumentError } from '../base/errors.js';
import { show } from '../base/show.js';
import type { TileableNode } from '../dag/nodes.js';

export interface ExecuteOptions {
  readonly signal?: AbortSignal;
}

/** Anything that stands for a tileable: a handle (with `.node`) or the node itself. */
export type Fetchable = { readonly node: TileableNode } | TileableNode;

export function nodeOf(f: Fetchable): TileableNode {
  if (typeof f === 'object' && f !== null) {
    if ('kind' in f && f.kind === 'tileable') return f;
    const node = (f as { node?: TileableNode }).node;
    if (typeof node === 'object' && node !== null && node.kind === 'tileable') return node;
  }
  throw new InvalidArgumentError(
    `Expected a handle (a Tensor, Graph, Context, ...) or a tileable node, got ${f === null ? 'null' : typeof f === 'object' ? (f as object).constructor?.name ?? 'an object' : typeof f}.`,
  );
}

/** `p`, or a CancelledError as soon as `signal` aborts, whichever comes first. */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function newSessionId(): string {
  return [...randomBytes(24)].map((b) => ID_CHARS[b % ID_CHARS.length]).join('');
}

/** The options of `execute` and `run`: only `signal`, an AbortSignal. */
export function runOptions(options: ExecuteOptions | undefined, where: string): ExecuteOptions {
  const checked = optionsObject(options, where, ['signal']);
  if (checked.signal !== undefined && !(checked.signal instanceof AbortSignal)) {
    throw new InvalidArgumentError(`the signal option of ${where} must be an AbortSignal, got ${show(checked.signal)}.`);
  }
  return checked;
}

export function checkName(name: unknown): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(`A name must be a non-empty string, got ${JSON.stringify(name)}.`);
  }
}
