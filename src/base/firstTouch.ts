/**
 * Filling a big fresh shared array on this thread while a helper thread takes the first touch of its
 * pages from the other end.
 *
 * Why: the first write to each page of fresh memory is a page fault. On the machines this engine is
 * measured on that costs about 10 µs per 4 KB page (2.6 ms per MB; rewriting warm memory costs a
 * hundredth of that), and V8 gives every SharedArrayBuffer fresh pages. Copying a user's 128 MB column
 * into shared memory took 330 ms, nearly all of it faults — on the calling thread, while the workers sat
 * idle. Faults on two threads overlap (two threads touched 128 MB in 190-210 ms where one took 320-410),
 * so here the caller fills blocks from the front while a helper thread faults blocks in from the back;
 * when they meet, the caller fills the rest, whose pages are already there.
 *
 * Who writes what: the caller claims block i by publishing FRONT = i + 1 and then reading BACK; the
 * helper claims block j by publishing BACK = j and then reading FRONT. Atomics are sequentially
 * consistent, so at most one of them sees the block as its own (each side's store precedes its load);
 * the helper writes only to blocks it claimed, and the caller fills the helper's blocks only after
 * the helper said it stopped (DONE). If the helper is not up yet (it starts on the first big fill) or
 * never answers, the caller simply fills every block itself: nothing ever waits for it to start.
 *
 * The helper is the main thread's helper thread (base/helperThread.ts), started on the first fill that
 * is big enough. Only the main thread has one: a kernel in a worker already runs next to the other
 * workers, and must not start threads of its own.
 */
import { isMainThread } from 'node:worker_threads';
import { BACK, DONE, FRONT, HELPER_BLOCK_BYTES, helperThread } from './helperThread.js';
import { recycledBuffer, recycles, track } from './recycledBuffers.js';

/** Below this, a fill runs on this thread alone: the helper's round trip would cost more than it saves. */
export const FIRST_TOUCH_MIN_BYTES = 2 << 20;
/** Block size: the most the caller waits for the helper to finish the block it is touching (~0.7 ms). */
const BLOCK_BYTES = HELPER_BLOCK_BYTES;

/** Slots of the control block (FRONT, BACK, DONE: base/helperThread.ts). */
const CONTROL_SLOTS = 3;

/** Blocks the helper has faulted in, over every fill (for tests and probes). */
const touched = new Int32Array(new SharedArrayBuffer(4));

/** How many blocks the helper thread has faulted in since the process started. */
export function firstTouchHelperBlocks(): number {
  return Atomics.load(touched, 0);
}

type TypedArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

export interface TypedArrayOf<T extends TypedArray> {
  new (buffer: SharedArrayBuffer, byteOffset?: number, length?: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * A fresh shared buffer that this thread writes front to back while the helper faults its pages in
 * from the back. Call `claim(end)` before writing any byte below `end`, and `stop()` once done (or on
 * giving up): the helper then leaves at its next block. Without a helper (small buffers, a worker
 * thread, the helper not started) both are no-ops.
 */
export class FirstTouch {
  readonly #control: Int32Array | undefined;
  readonly #blocks: number;
  /** Blocks this thread has claimed (0 .. claimed - 1 are its own). */
  #claimed = 0;
  /** Set once the helper has stopped: every byte is this thread's. */
  #free: boolean;

  constructor(buffer: SharedArrayBuffer) {
    this.#blocks = Math.ceil(buffer.byteLength / BLOCK_BYTES);
    const worker = isMainThread && buffer.byteLength >= FIRST_TOUCH_MIN_BYTES ? helperThread() : undefined;
    this.#free = worker === undefined;
    if (!worker) return;
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
    control[BACK] = this.#blocks;
    worker.postMessage({ buffer, control, blocks: this.#blocks, touched });
    this.#control = control;
  }

  /** Makes every byte below `end` this thread's to write (waiting, if it must, for the helper to stop). */
  claim(end: number): void {
    if (this.#free) return;
    const control = this.#control!;
    while (this.#claimed * BLOCK_BYTES < end && this.#claimed < this.#blocks) {
      Atomics.store(control, FRONT, this.#claimed + 1);
      if (Atomics.load(control, BACK) <= this.#claimed) {
        // The helper holds this block and the ones after it (or is about to give them back): wait until
        // it stops, which it does before its next block now that FRONT is past every block.
        Atomics.store(control, FRONT, this.#blocks);
        while (Atomics.load(control, DONE) === 0) Atomics.wait(control, DONE, 0, 1);
        this.#free = true;
        return;
      }
      this.#claimed++;
    }
  }

  /** Whether a helper may still touch pages: only then is writing block by block worth it. */
  get active(): boolean {
    return !this.#free;
  }

  /** Done writing: the helper stops at its next block (the bytes it may still touch are none of ours). */
  stop(): void {
    if (this.#control && !this.#free) Atomics.store(this.#control, FRONT, this.#blocks);
    this.#free = true;
  }
}

/**
 * A shared buffer this thread is about to fill front to back, with the first touch of its pages: fresh
 * (the helper faulting pages in from the back), or with `recycle`, for a big buffer, warm memory nobody
 * can read any more when this thread has some (base/recycledBuffers.ts; the buffer is then a little
 * bigger than `bytes`, and its old values are there until written over). Claim before writing any byte
 * below `end`; `finish` once done or given up.
 */
export class FillTarget {
  readonly buffer: SharedArrayBuffer;
  readonly #touch: FirstTouch | undefined;
  readonly #recycled: boolean;

  constructor(
    readonly bytes: number,
    recycle = false,
  ) {
    this.#recycled = recycle && recycles(bytes);
    const { buffer, warm } = this.#recycled ? recycledBuffer(bytes) : { buffer: new SharedArrayBuffer(bytes), warm: false };
    this.buffer = buffer;
    // Made before anything is written: the helper must never touch a page that already holds bytes.
    this.#touch = warm ? undefined : new FirstTouch(buffer);
  }

  claim(end: number): void {
    this.#touch?.claim(end);
  }

  /** Whether the helper may still touch pages: only then is writing block by block worth it. */
  get active(): boolean {
    return this.#touch?.active === true;
  }

  /**
   * Done writing, or given up. A recycled buffer is first claimed to its end, which waits for the helper
   * if it still holds pages there: once tracked, only this thread ever writes it again.
   */
  finish(): void {
    if (this.#recycled) this.#touch?.claim(this.buffer.byteLength);
    this.#touch?.stop();
    if (this.#recycled) track(this.buffer);
  }
}

/**
 * A shared array of `length` elements, filled by `fill(out, from, to)` over consecutive element ranges
 * in order (each element is written by exactly one call, front to back). `fill` may return false to give
 * up (a value it cannot store): the array is then dropped and undefined returned. With `recycle`, a big
 * array goes in recycled memory (`FillTarget`: the array is then a view of a slightly bigger buffer).
 */
export function sharedFilled<T extends TypedArray>(
  Ctor: TypedArrayOf<T>,
  length: number,
  fill: (out: T, from: number, to: number) => boolean | void,
  options: { readonly recycle?: boolean } = {},
): T | undefined {
  const target = new FillTarget(length * Ctor.BYTES_PER_ELEMENT, options.recycle === true);
  try {
    return filled(new Ctor(target.buffer, 0, length), target, fill);
  } finally {
    // Done, given up or thrown: the helper stops instead of faulting in what nobody will write.
    target.finish();
  }
}

function filled<T extends TypedArray>(out: T, target: FillTarget, fill: (out: T, from: number, to: number) => boolean | void): T | undefined {
  if (!target.active) return fill(out, 0, out.length) === false ? undefined : out;
  const size = out.BYTES_PER_ELEMENT;
  const perBlock = BLOCK_BYTES / size;
  for (let from = 0; from < out.length; from += perBlock) {
    const to = Math.min(out.length, from + perBlock);
    target.claim(to * size);
    if (fill(out, from, to) === false) return undefined;
  }
  return out;
}

/** A shared copy of `src` (same element type), filled as `sharedFilled` does. */
export function sharedCopy<T extends TypedArray>(src: T, options: { readonly recycle?: boolean } = {}): T {
  const Ctor = src.constructor as unknown as TypedArrayOf<T>;
  return sharedFilled(
    Ctor,
    src.length,
    (out, from, to) => {
      (out as unknown as { set(a: ArrayLike<unknown>, at: number): void }).set(src.subarray(from, to) as ArrayLike<unknown>, from);
    },
    options,
  )!;
}
