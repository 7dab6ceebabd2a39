/**
 * The client's copy of a hand-off file (client/fileCopy.ts): each stretch the server reports written is
 * copied into place, in several reads at once, and only what was reported (a reused file holds older
 * bytes past it); a file shorter than reported is an error, and no read is left going after `settled`.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCopy } from '../../../src/service/client/fileCopy.js';

const MiB = 2 ** 20;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-filecopy-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A file of `bytes` bytes where byte i is (i * 7 + i >> 12) mod 256, open for reading. */
function file(bytes: number): { fd: number; content: Uint8Array } {
  const content = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) content[i] = (i * 7 + (i >> 12)) & 255;
  const path = join(dir, 'f');
  writeFileSync(path, content);
  return { fd: openSync(path, 'r'), content };
}

describe('FileCopy', () => {
  it('copies each stretch reported written into place, and nothing past the last report', async () => {
    const { fd, content } = file(19 * MiB + 123);
    try {
      const out = new Uint8Array(17 * MiB + 5);
      const copy = new FileCopy(fd, out);
      // Reports as a server sends them: uneven, some repeated, the last one the value's length.
      for (const at of [0, MiB, 3 * MiB + 1, 3 * MiB + 1, 11 * MiB]) copy.written(at);
      await copy.finish();
      // The file holds bytes past the last report (a reused file's older ones): none is copied.
      expect(copy.copied).toBe(11 * MiB);
      expect(out.subarray(11 * MiB).every((b) => b === 0)).toBe(true);
      copy.written(17 * MiB + 5);
      await copy.finish();
      expect(copy.copied).toBe(out.byteLength);
      expect(Buffer.from(out).equals(Buffer.from(content.subarray(0, out.byteLength)))).toBe(true);
    } finally {
      closeSync(fd);
    }
  });

  it('fails when the file is shorter than reported, with no read left once settled', async () => {
    const { fd } = file(MiB);
    try {
      const copy = new FileCopy(fd, new Uint8Array(9 * MiB));
      copy.written(9 * MiB);
      await expect(copy.finish()).rejects.toThrow(/shorter than the server said/);
      await copy.settled();
    } finally {
      closeSync(fd);
    }
  });
});
