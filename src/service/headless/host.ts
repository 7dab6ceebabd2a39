/**
 * The headless host: runs one headless session's module in a child process of its own (child.ts),
 * reached through comlink over the child's IPC channel, so whatever the module does — exit, crash,
 * throw, leak, allocate without end — fails that session alone.
 *
 * The child is forked from the TypeScript source with tsx's loader when this module itself was loaded
 * from source (vitest, tsx), and from the built `dist/service/headless/child.js` otherwise, as the
 * worker pool does (js-stack.md §3). Its heap is held to the session's memory by --max-old-space-size,
 * its store by the engine's memoryLimit, and its resident size (typed arrays live outside the heap) by
 * a watch from outside (memoryWatch.ts). It leads a process group of its own, so stopping it also ends
 * anything it started, and it ends by itself when its IPC channel closes.
 *
 * `done` settles once the child has exited and its output has been read, never earlier: a settled run
 * has no process left.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as Comlink from 'comlink';
import { formatBytes } from '../../base/size.js';
import type { HeadlessHooks, HeadlessOutcome, HeadlessRun, HeadlessSpec, StartHeadless } from '../server/context.js';
import type { HeadlessFailure } from './errors.js';
import { type ArgKind, childPort, ipcEndpoint, onlyCalls } from './ipcEndpoint.js';
import { LineSplitter, TextTail } from './lines.js';
import { watchMemory, type MemoryWatch } from './memoryWatch.js';
import { API_CHANNEL, checkedOutcome, HOOKS_CHANNEL, type ChildApi, type ChildHooks, type ChildOutcome } from './protocol.js';

export interface HeadlessHostOptions {
  /** How long a stopped child has to end after SIGTERM before it gets SIGKILL, and a finished one to exit. */
  readonly graceMs?: number;
  /**
   * Resident bytes a child may use beyond twice its memory (its heap and its store, each held to the
   * memory) before it is killed as OutOfMemory: the runtime itself, its worker threads, tsx from source.
   */
  readonly residentAllowance?: number;
}

const fromSource = import.meta.url.endsWith('.ts');
const CHILD_ENTRY = fileURLToPath(new URL(`./child.${fromSource ? 'ts' : 'js'}`, import.meta.url));
const V8_OUT_OF_MEMORY = /JavaScript heap out of memory|Reached heap limit/;

function childExecArgv(memory: number): string[] {
  const heapMb = Math.max(1, Math.floor(memory / 2 ** 20));
  const loader = fromSource ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  return [...loader, '--enable-source-maps', `--max-old-space-size=${heapMb}`];
}

export function createHeadlessHost(options: HeadlessHostOptions = {}): StartHeadless {
  const graceMs = options.graceMs ?? 3000;
  const allowance = options.residentAllowance ?? 512 * 2 ** 20;
  return (spec, hooks) => new ChildRun(spec, hooks, graceMs, allowance);
}

/** The host the server uses: a 3 s grace and 512 MiB of resident allowance. */
export const startHeadless: StartHeadless = createHeadlessHost();

/** What each hook takes from the child (a batch of chunk events is checked by the server's ChunkFeed). */
const HOOK_ARGUMENTS: { readonly [K in keyof ChildHooks]: readonly ArgKind[] } = { ready: [], loaded: ['string'], running: [], log: ['string'], chunks: ['data'] };

function failed(code: HeadlessFailure['code'], message: string): HeadlessOutcome {
  return { ok: false, error: { code, message } };
}

/** Calls the server's hook; a hook that throws is the server's bug and must not end the run. */
function safely(call: () => void): void {
  try {
    call();
  } catch {
    // nothing sensible to do here: the run's outcome does not depend on the server's bookkeeping
  }
}

class ChildRun implements HeadlessRun {
  readonly done: Promise<HeadlessOutcome>;
  #resolve!: (outcome: HeadlessOutcome) => void;
  #settled = false;
  #child: ChildProcess | undefined;
  /** The child's bootstrap finished (it said so): a death from now on is the module's doing. */
  #up = false;
  #reported: ChildOutcome | undefined;
  #stopping = false;
  #memoryExceeded: string | undefined;
  #spawnError: Error | undefined;
  readonly #stderrTail = new TextTail();
  #watch: MemoryWatch | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly spec: HeadlessSpec,
    private readonly hooks: HeadlessHooks,
    private readonly graceMs: number,
    private readonly residentAllowance: number,
  ) {
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    try {
      this.#start();
    } catch (e) {
      this.#finish(failed('HostFailed', `The headless child process could not be started: ${(e as Error).message}`));
    }
  }

  #start(): void {
    const { spec } = this;
    const child = fork(CHILD_ENTRY, [], {
      execArgv: childExecArgv(spec.memory),
      env: { ...process.env, ...spec.env },
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    this.#child = child;
    child.on('error', (e) => {
      if (child.pid === undefined) this.#spawnError ??= e;
    });
    child.once('spawn', () => {
      safely(() => this.hooks.event('Started', `Process ${child.pid} runs ${basename(spec.modulePath)}: heap and store held to ${formatBytes(spec.memory)}, ${spec.workers} worker${spec.workers === 1 ? '' : 's'}.`));
      this.#watch = watchMemory(child.pid!, 2 * spec.memory + this.residentAllowance, (rss) => {
        this.#memoryExceeded = `The module outgrew its memory: its process held ${formatBytes(rss)} resident, over the ${formatBytes(2 * spec.memory + this.residentAllowance)} allowed for a session of ${formatBytes(spec.memory)} (typed arrays and buffers count, though they are outside the heap).`;
        this.#signal('SIGKILL');
      });
    });
    this.#pipeOutput(child);
    child.once('exit', () => this.#signal('SIGKILL', true));
    child.once('close', (code, signal) => this.#finish(this.#classify(code, signal)));
    this.#talk(child);
  }

  /** The child's stdout and stderr become the session's log, line by line. */
  #pipeOutput(child: ChildProcess): void {
    for (const stream of [child.stdout!, child.stderr!]) {
      const lines = new LineSplitter((text) => safely(() => this.hooks.log(text)));
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => {
        if (stream === child.stderr) this.#stderrTail.push(text);
        lines.push(text);
      });
      stream.on('end', () => lines.flush());
    }
  }

  #talk(child: ChildProcess): void {
    const port = childPort(child);
    const api = Comlink.wrap<ChildApi>(ipcEndpoint(port, API_CHANNEL));
    const childHooks: ChildHooks = {
      ready: () => {
        this.#up = true;
        if (this.#stopping) return;
        const { modulePath, args, env, workers, memory } = this.spec;
        api.run({ modulePath, args, env, workers, memory }).then(
          (outcome) => this.#onReported(api, checkedOutcome(outcome)),
          (e: unknown) => this.#onReported(api, { ok: false, error: { code: 'HostFailed', message: `The child's answer was lost: ${(e as Error).message}` } }),
        );
      },
      loaded: (detail) => safely(() => this.hooks.event('ModuleLoaded', detail)),
      running: () => safely(() => this.hooks.running()),
      log: (text) => safely(() => this.hooks.log(text)),
      chunks: (batch) => safely(() => this.hooks.chunks?.(batch)),
    };
    // The child runs user code: it may call these hooks and nothing else (ipcEndpoint.ts).
    Comlink.expose(childHooks, onlyCalls(ipcEndpoint(port, HOOKS_CHANNEL), HOOK_ARGUMENTS));
  }

  /**
   * The module is done: the child closes its channel and exits (by force if it lingers). The child
   * closes it, not the host: a ChildProcess whose host side disconnected never emits 'close'.
   */
  #onReported(api: Comlink.Remote<ChildApi>, outcome: ChildOutcome): void {
    this.#reported ??= outcome;
    api.exit().catch(() => {});
    this.#later(() => this.#signal('SIGKILL'));
  }

  #later(fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, this.graceMs);
    this.#timers.add(timer);
  }

  /** Signals the child's whole process group (what the module started too); `sweep` after the child exited. */
  #signal(signal: NodeJS.Signals, sweep = false): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      if (!sweep) this.#child!.kill(signal);
    }
  }

  #classify(code: number | null, signal: NodeJS.Signals | null): HeadlessOutcome {
    if (this.#reported) return this.#reported;
    if (this.#spawnError) return failed('HostFailed', `The headless child process could not be started: ${this.#spawnError.message}`);
    if (this.#stopping) return failed('Stopped', 'The run was stopped before the module returned.');
    if (this.#memoryExceeded) return failed('OutOfMemory', this.#memoryExceeded);
    if (V8_OUT_OF_MEMORY.test(this.#stderrTail.text)) {
      return failed('OutOfMemory', `The module outgrew its memory: its JavaScript heap reached the session's ${formatBytes(this.spec.memory)} and the process ended.`);
    }
    const how = code !== null ? `exit code ${code}` : `signal ${signal}`;
    if (!this.#up) {
      const tail = this.#stderrTail.text.trim().split('\n').slice(-5).join('\n');
      return failed('HostFailed', `The headless child process ended (${how}) before it was ready${tail ? `:\n${tail}` : '.'}`);
    }
    if (code !== null) return failed('ModuleExited', `The module ended its process with exit code ${code} before returning a result (process.exit?).`);
    return failed('ModuleCrashed', `The module's process was killed by ${signal} before returning a result (a native crash, or the system's out-of-memory killer).`);
  }

  #finish(outcome: HeadlessOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#watch?.stop();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    safely(() =>
      outcome.ok
        ? this.hooks.event('Completed', `The module returned ${summarize(outcome.result)}.`)
        : this.hooks.event('Failed', `${outcome.error.code}: ${outcome.error.message}`),
    );
    this.#resolve(outcome);
  }

  async stop(): Promise<void> {
    if (!this.#settled && this.#reported === undefined && !this.#stopping) {
      this.#stopping = true;
      safely(() => this.hooks.event('Stopping', `Stopping process ${this.#child?.pid}: SIGTERM, then SIGKILL after ${this.graceMs} ms.`));
      this.#signal('SIGTERM');
      this.#later(() => this.#signal('SIGKILL'));
    }
    await this.done;
  }
}

/** A short account of a result for the Completed event (the result itself goes to the server). */
function summarize(result: unknown): string {
  if (ArrayBuffer.isView(result)) return `a ${result.constructor.name} of ${result.byteLength} bytes`;
  if (typeof result === 'object' && result !== null && 'shape' in result && 'dtype' in result) {
    return `an array of shape [${String((result as { shape: unknown }).shape)}] and dtype ${String((result as { dtype: unknown }).dtype)}`;
  }
  if (Array.isArray(result) && result.length > 100) return `an array of ${result.length} items`;
  const json = JSON.stringify(result, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  if (json === undefined) return String(result);
  return json.length <= 120 ? json : `${Array.isArray(result) ? 'an array' : typeof result} (${json.length} characters of JSON)`;
}
