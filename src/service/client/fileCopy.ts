/**
 * Copies a hand-off file into the fetched value's own array while the server still writes it: each
 * stretch the server reports written is read straight into place, by several reads at once. Reading a
 * file into a new array is mostly the kernel giving the array its pages (one fault per 4 KiB) and
 * copying; reads in libuv's pool run on as many cores as there are free, the event loop stays free.
 */
import { read } from 'node:fs';

/** Reads at once: libuv's pool has 4 threads; two leave room for other file work. */
const IN_FLIGHT = 2;
/** The most one read asks for: big enough to cost little per call, small enough to spread. */
const READ_BYTES = 4 * 1024 * 1024;

export class FileCopy {
  readonly #fd: number;
  readonly #out: Uint8Array;
  /** Stretches written and not yet asked for, as [from, to). */
  readonly #todo: [number, number][] = [];
  /** How far the file is known to be written (and asked for). */
  #asked = 0;
  #copied = 0;
  readonly #reads = new Set<Promise<void>>();
  #failure: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(fd: number, out: Uint8Array) {
    this.#fd = fd;
    this.#out = out;
  }

  get copied(): number {
    return this.#copied;
  }

  /** The file is written up to `written`: copy what is new. */
  written(written: number): void {
    if (written > this.#asked) {
      this.#todo.push([this.#asked, Math.min(written, this.#out.byteLength)]);
      this.#asked = Math.min(written, this.#out.byteLength);
    }
    this.#pump();
  }

  /** Waits for every stretch asked for to be copied; throws the first failed read's error. */
  async finish(): Promise<void> {
    while (this.#failure === undefined && (this.#reads.size > 0 || this.#todo.length > 0)) await new Promise<void>((resolve) => (this.#wake = resolve));
    if (this.#failure) throw this.#failure;
  }

  /** Waits for reads still going (before the file is closed), whatever they end with. */
  async settled(): Promise<void> {
    this.#todo.length = 0;
    while (this.#reads.size > 0) await Promise.allSettled([...this.#reads]);
  }

  #pump(): void {
    while (this.#failure === undefined && this.#reads.size < IN_FLIGHT && this.#todo.length > 0) {
      const stretch = this.#todo[0]!;
      const from = stretch[0];
      const to = Math.min(stretch[1], from + READ_BYTES);
      if (to === stretch[1]) this.#todo.shift();
      else stretch[0] = to;
      const reading = this.#read(from, to).finally(() => {
        this.#reads.delete(reading);
        this.#pump();
        this.#wake?.();
      });
      this.#reads.add(reading);
    }
  }

  #read(from: number, to: number): Promise<void> {
    return new Promise<void>((resolve) => {
      read(this.#fd, this.#out, from, to - from, from, (e, n) => {
        if (e) this.#failure ??= e;
        else if (n === 0) this.#failure ??= new Error('the hand-off file is shorter than the server said');
        else {
          this.#copied += n;
          // A short read: the rest is read again.
          if (from + n < to) this.#todo.unshift([from + n, to]);
        }
        resolve();
      });
    });
  }
}
