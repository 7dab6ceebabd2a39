/**
 * A benchmark side as a child process that answers one line per request line (bench/graph/paired.ts,
 * bench/dataframe/h2o.ts): the child prints one line when it is ready (its imports and set-up are not what
 * is measured), then one answer line per request, and ends on `quit`. Sides run as processes of their own
 * so that one side's memory and JIT state never leak into another's figures.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export class PeerServer {
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  readonly #lines: AsyncIterator<string>;

  constructor(command: string, args: readonly string[], cwd: string) {
    this.#child = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'inherit'] });
    // A side that dies must surface as "exited early" on the next read, not as an unhandled EPIPE.
    this.#child.stdin.on('error', () => {});
    this.#lines = createInterface({ input: this.#child.stdout })[Symbol.asyncIterator]();
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The next line the side prints; throws if it exits first. */
  async read(): Promise<string> {
    const next = await this.#lines.next();
    if (next.done) throw new Error(`a benchmark side exited early (exit code ${this.#child.exitCode ?? 'unknown'})`);
    return next.value;
  }

  /** Sends one request line and returns the answer line. */
  async request(line: string): Promise<string> {
    this.#child.stdin.write(`${line}\n`);
    return this.read();
  }

  /** A request whose answer is a number (seconds, for the graph sides). */
  async ask(line: string): Promise<number> {
    return Number(await this.request(line));
  }

  close(): void {
    this.#child.stdin.end('quit\n');
  }

  /** Ends a side that overran its time (only this child, by its own handle). */
  kill(): void {
    this.#child.kill('SIGKILL');
  }

  /** Resolves when the child has exited. */
  exited(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.#child.once('exit', () => resolve()));
  }
}
