/**
 * A server's reused hand-off files (server/handoffPool.ts): a slot is lent to one fetch at a time and
 * written again only once the server has written it and its client gave it back; it is never lent to
 * another session, nor given back by one; idle slots are reused smallest-fitting first and bounded per
 * session and in bytes; slots lent or idle too long, a closed session's and a failed write's go.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HandoffPool, type LentSlot } from '../../../src/service/server/handoffPool.js';

let dir: string;
const pools: HandoffPool[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-handoff-pool-'));
});
afterEach(() => {
  pools.splice(0).forEach((p) => p.close());
  rmSync(dir, { recursive: true, force: true });
});

function pool(ttlMs = 60_000, idleBytes = 2 ** 30): HandoffPool {
  const p = new HandoffPool(dir, ttlMs, idleBytes);
  pools.push(p);
  return p;
}

/** Writes `bytes` bytes of `fill` into a lent slot as a fetch does, and says so. */
async function write(p: HandoffPool, slot: LentSlot, bytes: number, fill: number): Promise<void> {
  await slot.handle.write(Buffer.alloc(bytes, fill), 0, bytes, 0);
  p.written(slot, bytes);
}

const exists = (slot: LentSlot): boolean => existsSync(join(dir, slot.name));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HandoffPool', () => {
  it('lends a slot again only once it is written and given back, and then reuses its file', async () => {
    const p = pool();
    const a = await p.lend('s1', 100);
    expect(a.name).toMatch(/^[0-9a-f]{32}$/);
    // Given back before the server finished writing it (a client that gave up): not lent yet.
    p.giveBack('s1', [a.name]);
    const b = await p.lend('s1', 100);
    expect(b.name).not.toBe(a.name);
    await write(p, b, 100, 2);
    // b is written but not given back (its client may be reading): not lent.
    const c = await p.lend('s1', 100);
    expect([a.name, b.name]).not.toContain(c.name);
    // a is given back and now written: the next fetch gets it, and b's bytes are untouched.
    await write(p, a, 100, 1);
    const again = await p.lend('s1', 100);
    expect(again.name).toBe(a.name);
    await write(p, again, 100, 3);
    expect(readFileSync(join(dir, b.name))).toEqual(Buffer.alloc(100, 2));
    expect(readFileSync(join(dir, a.name))).toEqual(Buffer.alloc(100, 3));
  });

  it('never lends a slot to another session, nor takes one back from another session', async () => {
    const p = pool();
    const mine = await p.lend('s1', 100);
    await write(p, mine, 100, 1);
    p.giveBack('s2', [mine.name]);
    const theirs = await p.lend('s2', 100);
    expect(theirs.name).not.toBe(mine.name);
    await write(p, theirs, 100, 2);
    // s2 gave back a name not its own: s1's slot stays lent.
    expect(p.slotsOf('s1')).toEqual([{ name: mine.name, size: 100, lent: true, writing: false }]);
    p.giveBack('s1', [mine.name, 'f'.repeat(32)]);
    p.giveBack('s2', [theirs.name]);
    const next = await p.lend('s2', 100);
    expect(next.name).toBe(theirs.name);
    expect(p.slotsOf('s2').map((s) => s.name)).toEqual([theirs.name]);
  });

  it('lends the smallest idle slot that fits, else grows the largest', async () => {
    const p = pool();
    const [small, big] = [await p.lend('s1', 10), await p.lend('s1', 1000)];
    await write(p, small, 10, 1);
    await write(p, big, 1000, 2);
    p.giveBack('s1', [small.name, big.name]);
    const fit = await p.lend('s1', 500);
    expect(fit.name).toBe(big.name);
    const grown = await p.lend('s1', 2000);
    expect(grown.name).toBe(small.name);
    await write(p, grown, 2000, 3);
    await write(p, fit, 500, 4);
    expect(p.slotsOf('s1').map((s) => s.size).sort((a, b) => a - b)).toEqual([1000, 2000]);
  });

  it('keeps a few idle slots per session and at most its idle bytes in all', async () => {
    const p = pool(60_000, 2500);
    const slots = await Promise.all(Array.from({ length: 6 }, () => p.lend('s1', 100)));
    for (const s of slots) await write(p, s, 100, 1);
    p.giveBack('s1', slots.map((s) => s.name));
    // The oldest idle ones go first.
    expect(slots.map(exists)).toEqual([false, false, true, true, true, true]);
    const big = await p.lend('s2', 2000);
    await write(p, big, 2000, 2);
    p.giveBack('s2', [big.name]);
    // 4 × 100 + 2000 ≤ 2500; one more of 200 is not.
    const more = await p.lend('s3', 200);
    await write(p, more, 200, 3);
    p.giveBack('s3', [more.name]);
    expect([...slots.slice(2), big, more].map(exists)).toEqual([false, true, true, true, true, true]);
  });

  it('removes a slot lent or idle for its time, a closed session\'s slots, and a slot whose write failed', async () => {
    const p = pool(150);
    const unreturned = await p.lend('s1', 10);
    const idle = await p.lend('s1', 10);
    await write(p, unreturned, 10, 1);
    await write(p, idle, 10, 1);
    p.giveBack('s1', [idle.name]);
    for (let i = 0; i < 40 && (exists(unreturned) || exists(idle)); i++) await pause(50);
    expect([exists(unreturned), exists(idle)]).toEqual([false, false]);
    expect(p.slotsOf('s1')).toEqual([]);

    const long = pool();
    const a = await long.lend('s1', 10);
    const b = await long.lend('s2', 10);
    long.dropSession('s1');
    expect([exists(a), exists(b)]).toEqual([false, true]);
    // A slot dropped while its write is going is closed once the write ends, and never lent again.
    long.drop(b.name);
    await write(long, b, 10, 1);
    expect(exists(b)).toBe(false);
    long.giveBack('s2', [b.name]);
    expect((await long.lend('s2', 10)).name).not.toBe(b.name);
  });
});
