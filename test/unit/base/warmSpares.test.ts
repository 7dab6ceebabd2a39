/**
 * Spares faulted in ahead (base/warmSpares.ts): a size asked for again in a later job gets a spare, the
 * next ask of it takes that spare — zero-filled, never handed out twice — and the spares stay within the cap and are
 * let go when idle.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assumePageCost } from '../../../src/base/pageFaults.js';
import { dropUnfinishedSpares, dropWarmSpares, HELPER_MIN_PAGE_MS, SPARE_MAX_BYTES, SPARE_MIN_BYTES, warmSpareStats, zeroedArrayBuffer, zeroedSharedBuffer } from '../../../src/base/warmSpares.js';

const MIB = 2 ** 20;
const CAP = 8 * MIB;

/** Ends the current job: the next ask is a later one, as a loop's next fetch is. */
const nextJob = (): Promise<void> => new Promise((r) => setImmediate(r));

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Lets the background slices run, and the helper thread send the spares it makes, until every spare is
 * faulted in (bounded, in real time whatever the fake timers: a stuck spare fails the test).
 */
async function untilTouched(): Promise<void> {
  const end = Date.now() + 10_000;
  while (warmSpareStats().untouchedBytes > 0 && Date.now() < end) {
    await new Promise((r) => setImmediate(r));
    Atomics.wait(pause, 0, 0, 1);
  }
  expect(warmSpareStats().untouchedBytes).toBe(0);
}

/**
 * Asks for `bytes` three times in jobs that end in promise jobs alone, as the runs of a warm loop on this
 * thread do (no idle turn, so the spare the second ask started is not begun by the third). The third's buffer.
 */
async function askThriceWithoutIdleTurn(bytes: number): Promise<ArrayBuffer> {
  const nextJobNoTurn = (): Promise<void> => Promise.resolve().then(() => undefined);
  zeroedArrayBuffer(bytes, CAP);
  await nextJobNoTurn();
  zeroedArrayBuffer(bytes, CAP);
  await nextJobNoTurn();
  return zeroedArrayBuffer(bytes, CAP);
}

function allZero(buffer: ArrayBufferLike): boolean {
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** A page fault's cost where the helper thread pays (a VM where one costs 12 µs), and where it does not. */
const DEAR_PAGE_MS = 0.012;
const CHEAP_PAGE_MS = 0.00075;

afterEach(() => {
  dropWarmSpares();
  assumePageCost(undefined);
  vi.useRealTimers();
});

describe('warm spares', () => {
  it('serves the third ask of a size from a spare faulted in meanwhile, zero-filled and new each time', async () => {
    const bytes = 600 * 1024;
    const before = warmSpareStats();
    const first = zeroedArrayBuffer(bytes, CAP);
    expect(warmSpareStats().made).toBe(before.made);
    await nextJob();
    const second = zeroedArrayBuffer(bytes, CAP);
    expect(warmSpareStats().made).toBe(before.made + 1);
    // The caller writes into what it got; a spare must never be one of those.
    new Uint8Array(first).fill(7);
    new Uint8Array(second).fill(9);
    await untilTouched();
    const third = zeroedArrayBuffer(bytes, CAP);
    const after = warmSpareStats();
    expect(after.taken).toBe(before.taken + 1);
    // This thread had idle turns: the spare was faulted in here, not sent to the helper thread.
    expect(after.madeByHelper).toBe(before.madeByHelper);
    expect(after.takenUntouchedBytes).toBe(before.takenUntouchedBytes);
    expect(third).toBeInstanceOf(ArrayBuffer);
    expect(third.byteLength).toBe(bytes);
    expect(third).not.toBe(first);
    expect(third).not.toBe(second);
    expect(allZero(third)).toBe(true);
    // Taking it started the next spare; that one is another buffer again.
    new Uint8Array(third).fill(3);
    await untilTouched();
    const fourth = zeroedArrayBuffer(bytes, CAP);
    expect(warmSpareStats().taken).toBe(before.taken + 2);
    expect(fourth).not.toBe(third);
    expect(allZero(fourth)).toBe(true);
  });

  it('has the helper thread make the spares of a size whose spare was not begun when next asked for', async () => {
    assumePageCost(DEAR_PAGE_MS);
    const bytes = 700 * 1024;
    const before = warmSpareStats();
    // The spare started by the second ask was not begun: the third gets fresh memory, the helper the spare.
    const third = await askThriceWithoutIdleTurn(bytes);
    expect(warmSpareStats().taken).toBe(before.taken);
    await untilTouched();
    expect(warmSpareStats().madeByHelper).toBe(before.madeByHelper + 1);
    const fourth = zeroedArrayBuffer(bytes, CAP);
    expect(warmSpareStats().taken).toBe(before.taken + 1);
    expect(fourth).toBeInstanceOf(ArrayBuffer);
    expect(fourth.byteLength).toBe(bytes);
    expect(fourth).not.toBe(third);
    expect(allZero(fourth)).toBe(true);
    // Taking it started the next spare of that size, on the helper at once.
    new Uint8Array(fourth).fill(5);
    await untilTouched();
    expect(warmSpareStats().madeByHelper).toBe(before.madeByHelper + 2);
    const fifth = zeroedArrayBuffer(bytes, CAP);
    expect(warmSpareStats().taken).toBe(before.taken + 2);
    expect(fifth).not.toBe(fourth);
    expect(allZero(fifth)).toBe(true);
  });

  it('keeps a spare not begun in time on this thread where faults are cheap, and serves a later ask from it', async () => {
    assumePageCost(CHEAP_PAGE_MS);
    expect(CHEAP_PAGE_MS).toBeLessThan(HELPER_MIN_PAGE_MS);
    const bytes = 720 * 1024;
    const before = warmSpareStats();
    // Not begun: the third ask gets fresh memory, and the spare stays this thread's to fault in.
    const third = await askThriceWithoutIdleTurn(bytes);
    expect(warmSpareStats().taken).toBe(before.taken);
    expect(warmSpareStats().untouchedBytes).toBe(bytes);
    await untilTouched();
    expect(warmSpareStats().madeByHelper).toBe(before.madeByHelper);
    const fourth = zeroedArrayBuffer(bytes, CAP);
    expect(warmSpareStats().taken).toBe(before.taken + 1);
    expect(fourth).not.toBe(third);
    expect(allZero(fourth)).toBe(true);
  });

  it('never detaches a buffer on this thread, where the helper thread makes its spares or not', () => {
    // V8 reports when a thread's "no buffer was ever detached" flag goes (helperThread.ts says why that
    // matters), once per thread and without naming it: the helper, which transfers what it makes, is
    // the one report where it makes spares. tsx's loader detaches buffers itself, so the child runs the
    // three modules involved compiled to plain JavaScript.
    const dir = mkdtempSync(join(tmpdir(), 'tessera-spares-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      for (const name of ['warmSpares', 'helperThread', 'pageFaults']) {
        const source = readFileSync(new URL(`../../../src/base/${name}.ts`, import.meta.url), 'utf8');
        const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
        writeFileSync(join(dir, `${name}.js`), js);
      }
      // Six asks with no idle turn between them (a warm loop on this thread), then, once the helper had
      // time to send what it makes, one more: it takes a spare the helper made where faults are dear.
      const run = (pageMs: number): { reports: number; madeByHelper: number; taken: number } => {
        const script = `import { assumePageCost } from './pageFaults.js';
          import { warmSpareStats, zeroedArrayBuffer } from './warmSpares.js';
          assumePageCost(${pageMs});
          const ask = () => zeroedArrayBuffer(512 * 1024, 32 * 2 ** 20);
          for (let i = 0; i < 6; i++) {
            ask();
            await Promise.resolve();
          }
          const end = Date.now() + 10000;
          while (${pageMs} >= 0.002 && warmSpareStats().madeByHelper === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
          ask();
          const { madeByHelper, taken } = warmSpareStats();
          console.log(JSON.stringify({ madeByHelper, taken }));`;
        writeFileSync(join(dir, 'asks.js'), script);
        const r = spawnSync(process.execPath, ['--trace-protector-invalidation', join(dir, 'asks.js')], { encoding: 'utf8', timeout: 60_000 });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        const lines = r.stdout.trim().split('\n');
        return { reports: lines.filter((l) => /ArrayBufferDetaching/.test(l)).length, ...JSON.parse(lines.at(-1)!) };
      };
      // Cheap faults: no helper, no report.
      expect(run(CHEAP_PAGE_MS)).toEqual({ reports: 0, madeByHelper: 0, taken: 0 });
      // Dear faults: the helper made spares and this thread took one; the one report is the helper's.
      const dear = run(DEAR_PAGE_MS);
      expect(dear.madeByHelper).toBeGreaterThanOrEqual(1);
      expect(dear.taken).toBeGreaterThanOrEqual(1);
      expect(dear.reports).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes no spare for a size asked for twice in one job (a load\'s columns)', async () => {
    const before = warmSpareStats().made;
    zeroedSharedBuffer(MIB, CAP);
    zeroedSharedBuffer(MIB, CAP);
    zeroedSharedBuffer(MIB, CAP);
    await nextJob();
    expect(warmSpareStats().made).toBe(before);
    // A later job asking again is a loop: now it gets one.
    zeroedSharedBuffer(MIB, CAP);
    expect(warmSpareStats().made).toBe(before + 1);
  });

  it('keeps shared and plain spares apart', async () => {
    const bytes = 256 * 1024;
    zeroedSharedBuffer(bytes, CAP);
    await nextJob();
    zeroedSharedBuffer(bytes, CAP);
    await untilTouched();
    const plain = zeroedArrayBuffer(bytes, CAP);
    expect(plain).toBeInstanceOf(ArrayBuffer);
    const shared = zeroedSharedBuffer(bytes, CAP);
    expect(shared).toBeInstanceOf(SharedArrayBuffer);
    expect(allZero(shared)).toBe(true);
  });

  it('makes no spare for small sizes, sizes over the cap, or a cap of 0', async () => {
    const before = warmSpareStats().made;
    for (let i = 0; i < 3; i++) {
      expect(zeroedArrayBuffer(SPARE_MIN_BYTES - 8, CAP).byteLength).toBe(SPARE_MIN_BYTES - 8);
      expect(zeroedArrayBuffer(CAP + 4096, CAP).byteLength).toBe(CAP + 4096);
      expect(zeroedArrayBuffer(SPARE_MAX_BYTES + 4096, 8 * CAP).byteLength).toBe(SPARE_MAX_BYTES + 4096);
      expect(zeroedArrayBuffer(SPARE_MIN_BYTES, 0).byteLength).toBe(SPARE_MIN_BYTES);
      await nextJob();
    }
    await untilTouched();
    expect(warmSpareStats().made).toBe(before);
    expect(warmSpareStats().kept).toBe(0);
  });

  it('keeps at most the cap, letting the oldest spare go for a newer size', async () => {
    const cap = 2 * MIB;
    for (const bytes of [MIB, MIB + 4096, MIB + 8192]) {
      zeroedArrayBuffer(bytes, cap);
      await nextJob();
      zeroedArrayBuffer(bytes, cap);
      expect(warmSpareStats().keptBytes).toBeLessThanOrEqual(cap);
    }
    await untilTouched();
    expect(warmSpareStats().kept).toBe(1);
    expect(warmSpareStats().keptBytes).toBe(MIB + 8192);
  });

  it('lets go of the spares still being faulted in (a session closing), keeping the finished ones', async () => {
    zeroedArrayBuffer(MIB, CAP);
    await nextJob();
    zeroedArrayBuffer(MIB, CAP);
    await untilTouched();
    zeroedSharedBuffer(2 * MIB, CAP);
    await nextJob();
    zeroedSharedBuffer(2 * MIB, CAP);
    expect(warmSpareStats().untouchedBytes).toBe(2 * MIB);
    dropUnfinishedSpares();
    expect(warmSpareStats().untouchedBytes).toBe(0);
    expect(warmSpareStats().kept).toBe(1);
    expect(warmSpareStats().keptBytes).toBe(MIB);
  });

  it('never keeps a process alive, with spares the helper thread is still making or has sent', () => {
    const url = JSON.stringify(new URL('../../../src/base/warmSpares.ts', import.meta.url).href);
    const faultsUrl = JSON.stringify(new URL('../../../src/base/pageFaults.ts', import.meta.url).href);
    // Three jobs without an idle turn ask for 8 MB: the third hands the spare to the helper, and the
    // script ends while the helper faults it in (~2,000 pages).
    const script = `const { assumePageCost } = await import(${faultsUrl});
      const { zeroedArrayBuffer, warmSpareStats } = await import(${url});
      assumePageCost(${DEAR_PAGE_MS});
      const cap = 32 * 2 ** 20;
      for (let i = 0; i < 3; i++) {
        zeroedArrayBuffer(8 * 2 ** 20, cap);
        await Promise.resolve();
      }
      const s = warmSpareStats();
      console.log(s.made, s.madeByHelper, s.untouchedBytes);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/FATAL|Check failed/);
    expect({ status: r.status, signal: r.signal, out: r.stdout.trim() }).toEqual({ status: 0, signal: null, out: `1 0 ${8 * 2 ** 20}` });
  });

  it('lets a spare go once it has not been taken for 30 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const released = warmSpareStats().released;
    zeroedArrayBuffer(MIB, CAP);
    await nextJob();
    zeroedArrayBuffer(MIB, CAP);
    await untilTouched();
    expect(warmSpareStats().kept).toBe(1);
    vi.advanceTimersByTime(29_000);
    expect(warmSpareStats().kept).toBe(1);
    vi.advanceTimersByTime(2_000);
    expect(warmSpareStats().kept).toBe(0);
    expect(warmSpareStats().released).toBe(released + 1);
  });
});
