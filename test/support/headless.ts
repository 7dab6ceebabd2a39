/**
 * Running a headless fixture module (test/fixtures/headless/) the way the server does: a journal
 * (the server's own class) receives the logs and events, and a test waits for a log line or the
 * outcome — events, never time.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSize } from '../../src/base/size.js';
import { startHeadless } from '../../src/service/headless/host.js';
import type { HeadlessOutcome, HeadlessRun, StartHeadless } from '../../src/service/server/context.js';
import { SessionJournal } from '../../src/service/server/journal.js';

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/headless/${name}`, import.meta.url));

/** A child starts from source through tsx: seconds on a busy machine, so waits are generous. */
export const HEADLESS_SAFETY_MS = 90_000;

export interface FixtureRun {
  readonly run: HeadlessRun;
  readonly journal: SessionJournal;
  /** How many times the host said the module is about to run. */
  readonly running: () => number;
  /** Resolves with the first log line matching `pattern`. */
  line(pattern: RegExp): Promise<RegExpExecArray>;
  /** The outcome, or a failure naming the fixture if it never comes. */
  outcome(): Promise<HeadlessOutcome>;
}

export interface FixtureOptions {
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  readonly workers?: number;
  readonly memory?: string;
  readonly host?: StartHeadless;
}

export function runFixture(name: string, options: FixtureOptions = {}): FixtureRun {
  const journal = new SessionJournal();
  let running = 0;
  const waiters = new Set<{ pattern: RegExp; resolve: (m: RegExpExecArray) => void }>();
  const run = (options.host ?? startHeadless)(
    {
      id: `test-${name}`,
      modulePath: fixture(name),
      args: options.args ?? [],
      env: options.env ?? { REPLICA_ID: '1', REPLICA_COUNT: '1' },
      workers: options.workers ?? 1,
      memory: parseSize(options.memory ?? '256Mi'),
    },
    {
      log(text) {
        journal.log(text);
        for (const line of text.split('\n')) {
          for (const w of waiters) {
            const m = w.pattern.exec(line);
            if (m) {
              waiters.delete(w);
              w.resolve(m);
            }
          }
        }
      },
      event: (type, message) => journal.event(type, message),
      running: () => void running++,
    },
  );
  const bounded = <T>(p: Promise<T>, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const missing = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name}: still waiting for ${what} after ${HEADLESS_SAFETY_MS} ms`)), HEADLESS_SAFETY_MS);
    });
    return Promise.race([p, missing]).finally(() => clearTimeout(timer));
  };
  return {
    run,
    journal,
    running: () => running,
    line: (pattern) => {
      const seen = journal.text().split('\n').map((l) => pattern.exec(l)).find((m) => m !== null);
      if (seen) return Promise.resolve(seen);
      const found = new Promise<RegExpExecArray>((resolve) => waiters.add({ pattern, resolve }));
      return bounded(Promise.race([found, run.done.then(() => Promise.reject(new Error(`${name} ended without logging ${pattern}`)))]), `a log line ${pattern}`);
    },
    outcome: () => bounded(run.done, 'its outcome'),
  };
}

/** Whether a process with this pid exists and is not a zombie (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  return !/^\d+ \(.*\) Z/.test(stat);
}

/**
 * Resolves once the process is gone; a process killed by a signal dies when the kernel gets to it, so
 * this polls (the safety bound only turns a leak into a clear failure).
 */
export async function gone(pid: number): Promise<void> {
  const until = Date.now() + HEADLESS_SAFETY_MS;
  while (alive(pid)) {
    if (Date.now() > until) throw new Error(`process ${pid} is still alive`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function failure(outcome: HeadlessOutcome): { code: string; message: string } {
  if (outcome.ok) throw new Error(`expected a failed run, got the result ${JSON.stringify(outcome.result)}`);
  return outcome.error;
}
