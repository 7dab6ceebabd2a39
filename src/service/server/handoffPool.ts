/**
 * The hand-off files of each session, reused (handoff.ts keeps the directory they live in). Writing a
 * result into a new tmpfs file makes the kernel find and clear a fresh page for every 4 KiB, which costs
 * more than the copy itself; writing over the pages of a file written before costs the copy only. So a
 * session's files outlive their fetch: each is a slot, lent to one fetch at a time, and written again
 * once its client gave it back.
 *
 * A slot belongs to one session for its whole life: its name (128 random bits) is told to that
 * session's client only, and only that session may lend it or give it back. It is lent to a fetch both
 * while the server writes it and until the client says it has read it (`giveBack`, carried by the
 * client's next request); it is written again only when neither holds it, so no client ever reads a
 * slot while another result is written into it. A slot lent for longer than `ttlMs` (its client died
 * or lost it) is removed, and so is one idle that long, one past a session's few idle slots, and the
 * oldest idle ones when all sessions' idle slots exceed `idleBytes`. A session's slots go when it
 * closes, everything when the server closes.
 */
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';

/** Idle slots a session keeps: enough for a few fetches at once, and bounded. */
const IDLE_SLOTS_PER_SESSION = 4;

/** A slot lent to a fetch: where to write the result (the slot's name goes to the client). */
export interface LentSlot {
  readonly name: string;
  readonly handle: FileHandle;
}

interface Slot extends LentSlot {
  readonly session: string;
  /** Bytes the file holds: pages already in memory. */
  size: number;
  /** The server is writing a result into it. */
  writing: boolean;
  /** A fetch's client may be reading it. */
  lent: boolean;
  /** Removed from the pool (its handle closes once no write is pending). */
  dropped: boolean;
  /** When it last became idle (the oldest idle slots go first). */
  idleSince: number;
  /** Removes it when lent or idle for too long. */
  timer: NodeJS.Timeout | undefined;
}

export class HandoffPool {
  readonly #dir: string;
  readonly #ttlMs: number;
  readonly #idleBytes: number;
  readonly #slots = new Map<string, Slot>();
  readonly #bySession = new Map<string, Set<Slot>>();
  #closed = false;

  constructor(dir: string, ttlMs: number, idleBytes: number) {
    this.#dir = dir;
    this.#ttlMs = ttlMs;
    this.#idleBytes = idleBytes;
  }

  /**
   * A slot of `session` to write `bytes` into: its smallest idle one that holds them, else its largest
   * idle one (it grows), else a new one. Lent until both `written` and `giveBack` are called.
   */
  async lend(session: string, bytes: number): Promise<LentSlot> {
    const idle = [...(this.#bySession.get(session) ?? [])].filter((s) => !s.writing && !s.lent);
    const fits = idle.filter((s) => s.size >= bytes).sort((a, b) => a.size - b.size);
    const slot = fits[0] ?? idle.sort((a, b) => b.size - a.size)[0];
    if (!slot) return this.#create(session);
    slot.writing = true;
    slot.lent = true;
    this.#expireAfter(slot);
    return slot;
  }

  /** The server finished writing `slot` (`bytes` of it, or gave up). */
  written(slot: LentSlot, bytes: number): void {
    const s = slot as Slot;
    s.writing = false;
    s.size = Math.max(s.size, bytes);
    if (s.dropped) void s.handle.close().catch(() => undefined);
    else this.#settle(s);
  }

  /** `session`'s client has read these slots (names of other sessions' slots, or unknown ones, are ignored). */
  giveBack(session: string, names: readonly string[]): void {
    for (const name of names) {
      const slot = this.#slots.get(name);
      if (!slot || slot.session !== session || !slot.lent) continue;
      slot.lent = false;
      this.#settle(slot);
    }
  }

  /** Removes a slot now (a fetch whose write failed, a session that closed). */
  drop(name: string): void {
    const slot = this.#slots.get(name);
    if (!slot) return;
    slot.dropped = true;
    clearTimeout(slot.timer);
    this.#slots.delete(name);
    const own = this.#bySession.get(slot.session);
    own?.delete(slot);
    if (own?.size === 0) this.#bySession.delete(slot.session);
    try {
      unlinkSync(join(this.#dir, name));
    } catch {
      // Already gone: nothing to remove.
    }
    if (!slot.writing) void slot.handle.close().catch(() => undefined);
  }

  dropSession(session: string): void {
    for (const slot of [...(this.#bySession.get(session) ?? [])]) this.drop(slot.name);
  }

  /** Removes every slot; a slot still being created is removed as it comes. */
  close(): void {
    this.#closed = true;
    for (const name of [...this.#slots.keys()]) this.drop(name);
  }

  /** The slots of `session`, lent or idle (for tests and stats). */
  slotsOf(session: string): { name: string; size: number; lent: boolean; writing: boolean }[] {
    return [...(this.#bySession.get(session) ?? [])].map(({ name, size, lent, writing }) => ({ name, size, lent, writing }));
  }

  /** A new slot, lent from the start (no other fetch can take it between its creation and its use). */
  async #create(session: string): Promise<Slot> {
    const name = randomBytes(16).toString('hex');
    const handle = await open(join(this.#dir, name), 'wx+', 0o600);
    const slot: Slot = { name, handle, session, size: 0, writing: true, lent: true, dropped: false, idleSince: 0, timer: undefined };
    if (this.#closed) {
      await handle.close();
      try {
        unlinkSync(join(this.#dir, name));
      } catch {
        // Removed with the directory.
      }
      throw new Error('the hand-off directory is closed');
    }
    this.#slots.set(name, slot);
    let own = this.#bySession.get(session);
    if (!own) this.#bySession.set(session, (own = new Set()));
    own.add(slot);
    this.#expireAfter(slot);
    return slot;
  }

  /** A slot neither written nor read is idle: it waits for the next fetch, within the pool's bounds. */
  #settle(slot: Slot): void {
    if (slot.writing || slot.lent || slot.dropped) return;
    slot.idleSince = performance.now();
    this.#expireAfter(slot);
    const idle = (slots: Iterable<Slot>): Slot[] => [...slots].filter((s) => !s.writing && !s.lent).sort((a, b) => a.idleSince - b.idleSince);
    const own = idle(this.#bySession.get(slot.session) ?? []);
    for (const s of own.slice(0, Math.max(0, own.length - IDLE_SLOTS_PER_SESSION))) this.drop(s.name);
    const all = idle(this.#slots.values());
    let bytes = all.reduce((n, s) => n + s.size, 0);
    for (const s of all) {
      if (bytes <= this.#idleBytes) break;
      bytes -= s.size;
      this.drop(s.name);
    }
  }

  #expireAfter(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => this.drop(slot.name), this.#ttlMs);
    slot.timer.unref();
  }
}
