/**
 * Eager evaluation. Every op built while an eager session is the default is submitted here the moment
 * it is created; submissions made in the same synchronous stretch of code are run together as one
 * batch in a microtask (one chunk graph, shared ancestors run once). A batch runs with
 * `continueOnError`, so a failing op fails its own handle and every handle built on it — with the
 * stack of the line that built the failing op — while independent handles in the batch succeed. Each
 * submission's promise is pre-handled: an eager failure is reported when someone awaits the handle,
 * never as an unhandled rejection.
 */
import { deferred, type Deferred, quiet } from '../base/async.js';
import type { TileableNode } from '../dag/nodes.js';

export type BatchRunner = (nodes: readonly TileableNode[]) => Promise<ReadonlyMap<string, Error>>;

export class EagerBatcher {
  readonly #run: BatchRunner;
  readonly #pending = new Map<string, { node: TileableNode; done: Deferred<void> }>();
  readonly #status = new Map<string, Promise<void>>();
  readonly #failed = new Map<string, Error>();
  #scheduled = false;

  constructor(run: BatchRunner) {
    this.#run = run;
  }

  /** Submits a node (idempotent by key); the promise settles when it has run. */
  submit(node: TileableNode): Promise<void> {
    const known = this.#status.get(node.key);
    if (known) return known;
    const inherited = node.inputs.map((i) => this.#failed.get(i.key)).find((e) => e !== undefined);
    if (inherited) {
      this.#failed.set(node.key, inherited);
      const p = quiet(Promise.reject(inherited));
      this.#status.set(node.key, p);
      return p;
    }
    const done = deferred<void>();
    const p = quiet(done.promise);
    this.#status.set(node.key, p);
    this.#pending.set(node.key, { node, done });
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.#flush());
    }
    return p;
  }

  /** The eager status of a key, if it was submitted. */
  status(key: string): Promise<void> | undefined {
    return this.#status.get(key);
  }

  /** The error the eager run of a key failed with: a later `execute` reports it instead of running again. */
  failure(key: string): Error | undefined {
    return this.#failed.get(key);
  }

  /** Keys with an eager status or failure still remembered (a leak check reads it). */
  get size(): number {
    return this.#status.size;
  }

  /** Forgets a key (its result was released, or nothing refers to it), so a later submission runs it again. */
  forget(key: string): void {
    if (!this.#pending.has(key)) this.#status.delete(key);
    this.#failed.delete(key);
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = [...this.#pending.values()];
    this.#pending.clear();
    if (batch.length === 0) return;
    this.#run(batch.map((b) => b.node)).then(
      (errors) => {
        for (const b of batch) {
          const e = errors.get(b.node.key);
          if (e) {
            this.#failed.set(b.node.key, e);
            b.done.reject(e);
          } else b.done.resolve();
        }
      },
      (e: unknown) => {
        for (const b of batch) {
          if (e instanceof Error) this.#failed.set(b.node.key, e);
          b.done.reject(e);
        }
      },
    );
  }

  /** Rejects everything still pending (the session is closing). */
  abort(reason: Error): void {
    for (const b of this.#pending.values()) b.done.reject(reason);
    this.#pending.clear();
  }

  clear(): void {
    this.#status.clear();
    this.#failed.clear();
  }
}
