/**
 * A remote session as an executor (executors/executor.ts): a chunk graph runs on the session's server
 * (routes/remoteChunks.ts) with the fetch chunks' values sent along, the executor's events streamed back
 * as they happen, and the targets' values put into the caller's store when the run is done — so the
 * executor conformance suite runs against a remote session unchanged. Errors come back in their own
 * class with their chunk key, and the build site is attached here, where the graph was built.
 */
import { attachBuildSite, CancelledError, type ErrorData } from '../../base/errors.js';
import type { ChunkGraph } from '../../dag/chunkGraph.js';
import type { ChunkFailure, ExecEvent, Executor, RunOptions, RunReport } from '../../executors/executor.js';
import type { ChunkStore } from '../../store/chunkStore.js';
import { rebuildError } from './errors.js';
import type { RemoteSession } from './remoteSession.js';

interface Done {
  readonly failure?: ErrorData;
  readonly report?: Omit<RunReport, 'failures' | 'blockedBy'> & { failures: { index: number; key: string; error: ErrorData }[]; blockedBy: [number, number][] };
  readonly values?: Record<string, unknown>;
}

export class RemoteExecutor implements Executor {
  readonly name = 'remote';
  readonly #session: RemoteSession;

  constructor(session: RemoteSession) {
    this.#session = session;
  }

  get workers(): number {
    return this.#session.info.workers;
  }

  async run(graph: ChunkGraph, store: ChunkStore, options: RunOptions): Promise<RunReport> {
    const chunks = Array.from({ length: graph.size }, (_, i) => graph.spec(i));
    const fetched: Record<string, unknown> = {};
    for (let i = 0; i < graph.size; i++) if (graph.isFetch(i)) fetched[graph.keys[i]!] = store.get(graph.keys[i]!);
    const errorOf = (data: ErrorData): Error => {
      const e = rebuildError(data);
      const key = (e as { chunkKey?: unknown }).chunkKey;
      const index = typeof key === 'string' ? graph.indexOf(key) : -1;
      return index >= 0 ? attachBuildSite(e, key as string, options.buildStackOf?.(index)) : e;
    };
    const ctl = new AbortController();
    const onAbort = (): void => ctl.abort(new CancelledError());
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const body = {
        chunks,
        fetched,
        targets: options.targets,
        continueOnError: options.continueOnError === true,
        events: options.onEvent !== undefined,
        answerWithin: this.#session.channel.conn.timeoutMs,
        ...(options.memoryLimit !== undefined && Number.isFinite(options.memoryLimit) ? { memoryLimit: options.memoryLimit } : {}),
      };
      const response = await this.#session.channel.send('remote/chunks', body, [], { signal: ctl.signal });
      let done: Done | undefined;
      await this.#session.channel.conn.frames(
        response,
        (frame) => {
          const f = frame as { type: string; event?: ExecEvent & { error?: ErrorData } };
          if (f.type === 'done') done = f as Done;
          else if (f.type === 'event' && f.event) {
            const e = f.event;
            options.onEvent?.(e.type === 'failed' ? { type: 'failed', index: e.index, error: errorOf(e.error as unknown as ErrorData) } : e);
          }
        },
        ctl.signal,
      );
      if (!done) throw new CancelledError('The server ended the run without a result.');
      if (done.failure) throw errorOf(done.failure);
      for (const [key, value] of Object.entries(done.values ?? {})) store.put(key, value);
      const report = done.report!;
      const failures: ChunkFailure[] = report.failures.map((f) => ({ index: f.index, key: f.key, error: errorOf(f.error) }));
      return { ...report, failures, blockedBy: new Map(report.blockedBy) };
    } catch (e) {
      if (!ctl.signal.aborted) ctl.abort(e);
      throw ctl.signal.reason instanceof Error ? ctl.signal.reason : e;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The session's pool is the server's: nothing to stop here. */
  async close(): Promise<void> {}
}
