/**
 * The server's hand-off directory (server/handoff.ts) on its own: made unlistable with a 0600 probe
 * holding the secret; its files (handoffPool.test.ts) removed at close; the directories of servers
 * that died are swept at start; no directory at all where the root is unusable.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HandoffDir } from '../../../src/service/server/handoff.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tessera-handoff-test-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const listing = (dir: string): string[] => {
  chmodSync(dir, 0o700);
  try {
    return readdirSync(dir).sort();
  } finally {
    chmodSync(dir, 0o300);
  }
};

describe('HandoffDir', () => {
  it('is unlistable, with a 0600 probe whose content is the secret it accepts', () => {
    const h = HandoffDir.open(60_000, root)!;
    // Owner write and search, no read: files open by name, the directory does not list (but for root).
    expect(statSync(h.dir).mode & 0o777).toBe(0o300);
    const secret = readFileSync(join(h.dir, h.probe), 'utf8');
    expect(statSync(join(h.dir, h.probe)).mode & 0o777).toBe(0o600);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(h.accepts(secret)).toBe(true);
    expect(h.accepts(secret.replace(/.$/, (c) => (c === '0' ? '1' : '0')))).toBe(false);
    expect(h.accepts(undefined)).toBe(false);
    expect(h.accepts([secret])).toBe(false);
    h.close();
    expect(h.accepts(secret)).toBe(false);
  });

  it('removes its files, lent or idle, and itself at close; lends nothing after', async () => {
    const h = HandoffDir.open(60_000, root)!;
    const lent = await h.pool.lend('s1', 10);
    const idle = await h.pool.lend('s2', 10);
    await idle.handle.write(Buffer.alloc(10), 0, 10, 0);
    h.pool.written(idle, 10);
    h.pool.giveBack('s2', [idle.name]);
    expect(listing(h.dir)).toEqual([h.probe, lent.name, idle.name].sort());
    expect(statSync(join(h.dir, lent.name)).mode & 0o777).toBe(0o600);
    h.close();
    expect(existsSync(h.dir)).toBe(false);
    await expect(h.pool.lend('s1', 10)).rejects.toThrow(/closed|ENOENT/);
  });

  it('sweeps the directory of a server that died, keeps a live one, and is absent where the root cannot be used', () => {
    // No process has a pid this large (Linux's pid_max is at most 2^22).
    const dead = join(root, `tessera-handoff-${2 ** 22 + 5}-abc`);
    const live = join(root, `tessera-handoff-${process.ppid}-def`);
    for (const d of [dead, live]) {
      mkdirSync(d);
      writeFileSync(join(d, 'f'), 'x');
      chmodSync(d, 0o300);
    }
    const h = HandoffDir.open(60_000, root)!;
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    h.close();
    chmodSync(live, 0o700);
    expect(HandoffDir.open(60_000, join(root, 'missing'))).toBeUndefined();
  });
});
