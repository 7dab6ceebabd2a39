/**
 * The child process of one headless session (forked by host.ts). It exposes `run` over its IPC
 * channel through comlink: load the module, open an engine session (the process default), call the
 * module's default export, hand back its result as plain data, close the session. The session's chunk
 * events go to the host as they happen (chunkChannel.ts), for the dashboard. Whatever the module
 * does wrong ends here as an outcome — a throw, a rejection, an uncaught exception or unhandled
 * rejection it caused later — except ending or crashing the process, which the host sees from outside.
 *
 * The child lives as long as its IPC channel: when the host disconnects (after the result, or because
 * the host itself died) it exits, even if the module left timers or sockets behind.
 */
import * as Comlink from 'comlink';
import { newSession, type ProgressEvent, type Session } from '../../index.js';
import { forwardChunks } from './chunkChannel.js';
import { HeadlessError, type HeadlessFailure } from './errors.js';
import { ipcEndpoint, parentPort } from './ipcEndpoint.js';
import { loadModule } from './moduleLoader.js';
import { API_CHANNEL, HOOKS_CHANNEL, type ChildApi, type ChildHooks, type ChildOutcome, type ChildRequest } from './protocol.js';
import { cloneableResult } from './result.js';

const port = parentPort();
const hooks = Comlink.wrap<ChildHooks>(ipcEndpoint(port, HOOKS_CHANNEL));

/** Fire and forget: a hook the host can no longer hear is no reason to fail the run. */
function tell(call: (h: Comlink.Remote<ChildHooks>) => Promise<unknown>): void {
  call(hooks).catch(() => {});
}

/** Settles with the first uncaught exception or unhandled rejection once a run has started. */
let strayFailure: ((error: unknown, how: string) => void) | undefined;
process.on('uncaughtException', (error) => report(error, 'an uncaught exception'));
process.on('unhandledRejection', (error) => report(error, 'an unhandled promise rejection'));
function report(error: unknown, how: string): void {
  if (strayFailure) strayFailure(error, how);
  else process.stderr.write(`tessera headless child: ${how} outside a run: ${describeError(error)}\n`);
}

process.on('disconnect', () => process.exit(0));

function describeError(e: unknown): string {
  if (!(e instanceof Error)) return `a non-error value was thrown: ${String(e)}`;
  const code = (e as { code?: unknown }).code;
  return `${e.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${e.message}`;
}

/** Memory errors the module ran into are the session's memory being too small, not a bug of its own. */
function isOutOfMemory(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  return code === 'NotEnoughMemory' || code === 'ERR_WORKER_OUT_OF_MEMORY' || (e instanceof RangeError && /allocation failed|Invalid array buffer length/i.test(e.message));
}

function failure(e: unknown, how = 'threw'): HeadlessFailure {
  if (e instanceof HeadlessError) return { code: e.code, message: e.message };
  if (e instanceof Error && e.stack) tell((h) => h.log(e.stack!));
  if (isOutOfMemory(e)) return { code: 'OutOfMemory', message: `The module ran out of its session's memory: ${describeError(e)}` };
  return { code: 'ModuleFailed', message: `The module ${how} ${describeError(e)}` };
}

/** One line per tenth of a run, so a long run shows it is moving without flooding the log. */
function logProgress(session: Session): void {
  let last = { run: -1, tenth: -1 };
  session.on('progress', (e: ProgressEvent) => {
    const tenth = Math.floor(e.progress * 10);
    if (e.run === last.run && tenth === last.tenth) return;
    last = { run: e.run, tenth };
    tell((h) => h.log(`[progress] run ${e.run}: ${e.done}/${e.total} chunks (${Math.round(e.progress * 100)}%)`));
  });
}

async function run(request: ChildRequest): Promise<ChildOutcome> {
  let main;
  try {
    main = await loadModule(request.modulePath);
  } catch (e) {
    return { ok: false, error: failure(e, 'failed to load:') };
  }
  tell((h) => h.loaded(`${request.modulePath} loaded in process ${process.pid}`));
  let session: Session | undefined;
  let stopChunks: (() => void) | undefined;
  try {
    session = newSession({ workers: request.workers, memoryLimit: request.memory, default: true });
    logProgress(session);
    stopChunks = forwardChunks(session, (batch) => tell((h) => h.chunks(batch)));
    tell((h) => h.running());
    const stray = new Promise<never>((_, reject) => {
      strayFailure = (error, how) => reject(new HeadlessError('ModuleFailed', `The module caused ${how}: ${describeError(error)}`, { cause: error }));
    });
    const returned = await Promise.race([Promise.resolve(main(session, [...request.args], { ...request.env })), stray]);
    return { ok: true, result: cloneableResult(returned) };
  } catch (e) {
    return { ok: false, error: failure(e) };
  } finally {
    strayFailure = undefined;
    stopChunks?.();
    await session?.close().catch((e: unknown) => tell((h) => h.log(`closing the session failed: ${describeError(e)}`)));
  }
}

const api: ChildApi = { run, exit: () => void setImmediate(() => process.disconnect()) };
Comlink.expose(api, ipcEndpoint(port, API_CHANNEL));
tell((h) => h.ready());
