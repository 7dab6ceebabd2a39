/**
 * The shared-memory hand-off of big results to a client on the same host (Vineyard's split between its
 * IPC client, shared memory, and its RPC client, a socket). The server keeps one directory under
 * /dev/shm, `tessera-handoff-<pid>-<random>`, mode 0300: its owner may open a file in it by name but
 * nobody can list it. A probe file in it holds a random secret; a client that can read the probe is on
 * this host as this OS user, and proves it by sending the secret with its fetches
 * (`x-tessera-handoff`). Such a fetch of a big result gets the result's bytes in a new file of 128
 * random bits' name, mode 0600, created only for that authenticated request, and only the file's name
 * in the answer. The client unlinks the file as soon as it has opened it; the server removes what is
 * left after `ttlMs` (a client that died before reading: its session closes after danglingTimeout
 * too), when the session closes, and when the server closes. Without a usable /dev/shm, there is no
 * hand-off and every result goes over the socket.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';

/** Where hand-off directories live: tmpfs, so a file is memory the client copies from. */
const SHM = '/dev/shm';
const HANDOFF_DIR_PREFIX = 'tessera-handoff-';
/** A hand-off directory's name: the prefix, the pid of the server that made it, a random tail. */
const HANDOFF_DIR_NAME = new RegExp(`^${HANDOFF_DIR_PREFIX}(\\d+)-`);

export class HandoffDir {
  readonly dir: string;
  /** The probe file's name (in `dir`): its content is the secret. */
  readonly probe: string;
  readonly #secret: Buffer;
  readonly #ttlMs: number;
  /** Files not yet removed, with their removal timers and sessions. */
  readonly #files = new Map<string, { timer: NodeJS.Timeout; session: string }>();
  #closed = false;

  private constructor(dir: string, ttlMs: number) {
    this.dir = dir;
    this.#ttlMs = ttlMs;
    this.probe = `probe-${randomBytes(16).toString('hex')}`;
    const secret = randomBytes(32).toString('hex');
    this.#secret = Buffer.from(secret);
    writeFileSync(join(dir, this.probe), secret, { mode: 0o600, flag: 'wx' });
    chmodSync(dir, 0o300);
  }

  /** A fresh hand-off directory, or undefined when /dev/shm cannot be used here. */
  static open(ttlMs: number, root = SHM): HandoffDir | undefined {
    let dir: string | undefined;
    try {
      removeStale(root);
      dir = mkdtempSync(join(root, `${HANDOFF_DIR_PREFIX}${process.pid}-`));
      return new HandoffDir(dir, ttlMs);
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

  /** A new empty file for `session`'s result: its name and a handle open for writing. */
  async create(session: string): Promise<{ name: string; handle: FileHandle }> {
    const name = randomBytes(16).toString('hex');
    const handle = await open(join(this.dir, name), 'wx', 0o600);
    const timer = setTimeout(() => this.remove(name), this.#ttlMs);
    timer.unref();
    this.#files.set(name, { timer, session });
    return { name, handle };
  }

  /** Removes a file (gone already when its client opened it). */
  remove(name: string): void {
    const file = this.#files.get(name);
    if (!file) return;
    clearTimeout(file.timer);
    this.#files.delete(name);
    try {
      unlinkSync(join(this.dir, name));
    } catch {
      // The client unlinked it after opening it: nothing left to remove.
    }
  }

  /** Removes what is left of a closed session's files. */
  removeSession(session: string): void {
    for (const [name, file] of this.#files) if (file.session === session) this.remove(name);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const name of [...this.#files.keys()]) this.remove(name);
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
