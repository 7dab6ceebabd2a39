/**
 * The shared-memory hand-off of big results to a client on the same host (Vineyard's split between its
 * IPC client, shared memory, and its RPC client, a socket). The server keeps one directory under
 * /dev/shm, `tessera-handoff-<pid>-<random>`, mode 0300: its owner may open a file in it by name but
 * nobody can list it. A probe file in it holds a random secret; a client that can read the probe is on
 * this host as this OS user, and proves it by sending the secret with its fetches
 * (`x-tessera-handoff`). Such a fetch of a big result gets the result's bytes in one of its session's
 * files (handoffPool.ts: 128 random bits' name, mode 0600, told to that session's client only, reused
 * once the client gives it back), and only the file's name in the answer. The files go after `ttlMs`
 * unused or unreturned (a client that died: its session closes after danglingTimeout too), when their
 * session closes, and when the server closes; a server that died leaves a directory the next one
 * sweeps. Without a usable /dev/shm, there is no hand-off and every result goes over the socket.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { HandoffPool } from './handoffPool.js';

export type { LentSlot } from './handoffPool.js';

/** Where hand-off directories live: tmpfs, so a file is memory the client copies from. */
const SHM = '/dev/shm';
const HANDOFF_DIR_PREFIX = 'tessera-handoff-';
/** A hand-off directory's name: the prefix, the pid of the server that made it, a random tail. */
const HANDOFF_DIR_NAME = new RegExp(`^${HANDOFF_DIR_PREFIX}(\\d+)-`);
/** Idle hand-off files all sessions keep at most: an eighth of the machine's memory, at most 1 GiB. */
const IDLE_BYTES = Math.min(2 ** 30, Math.floor(totalmem() / 8));

export class HandoffDir {
  readonly dir: string;
  /** The probe file's name (in `dir`): its content is the secret. */
  readonly probe: string;
  /** The sessions' files. */
  readonly pool: HandoffPool;
  readonly #secret: Buffer;
  #closed = false;

  private constructor(dir: string, ttlMs: number, idleBytes: number) {
    this.dir = dir;
    this.pool = new HandoffPool(dir, ttlMs, idleBytes);
    this.probe = `probe-${randomBytes(16).toString('hex')}`;
    const secret = randomBytes(32).toString('hex');
    this.#secret = Buffer.from(secret);
    writeFileSync(join(dir, this.probe), secret, { mode: 0o600, flag: 'wx' });
    chmodSync(dir, 0o300);
  }

  /**
   * A fresh hand-off directory, or undefined when /dev/shm cannot be used here. Files unused or
   * unreturned for `ttlMs` go; all sessions' idle files hold at most `idleBytes`.
   */
  static open(ttlMs: number, root = SHM, idleBytes = IDLE_BYTES): HandoffDir | undefined {
    let dir: string | undefined;
    try {
      removeStale(root);
      dir = mkdtempSync(join(root, `${HANDOFF_DIR_PREFIX}${process.pid}-`));
      return new HandoffDir(dir, ttlMs, idleBytes);
    } catch {
      if (dir) rmSync(dir, { recursive: true, force: true });
      return undefined;
    }
  }

  /** Whether a request's header carries the secret (compared in constant time). */
  accepts(header: string | string[] | undefined): boolean {
    if (this.#closed || typeof header !== 'string') return false;
    const given = Buffer.from(header);
    return given.length === this.#secret.length && timingSafeEqual(given, this.#secret);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.pool.close();
    chmodSync(this.dir, 0o700);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Directories of servers that died without closing (their pid is gone): removed, so none leaks for long. */
function removeStale(root: string): void {
  for (const entry of readdirSync(root)) {
    const pid = Number(HANDOFF_DIR_NAME.exec(entry)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    try {
      chmodSync(join(root, entry), 0o700);
      rmSync(join(root, entry), { recursive: true, force: true });
    } catch {
      // Another user's directory, or already gone: not ours to remove.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
