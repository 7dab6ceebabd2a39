/**
 * Who persisted which object in the process's shared catalog, and the owner's prefix on catalog
 * names: persisted objects and names are per token (issue 10 §1), though the catalog is one. The
 * remote store routes and the headless results (stored for their session's owner) share one of these
 * through the ServerContext, so a token sees its own headless results and never another token's.
 */
import { ObjectNotExistsError } from '../../store/errors.js';
import { ObjectID } from '../../store/objectId.js';
import type { ObjectStore } from '../../store/objectStore.js';
import { malformed } from '../wire/errors.js';

export const OWNER_SEPARATOR = '__';
const SEPARATOR = OWNER_SEPARATOR;

/** The store's own text for a missing id: another owner's object reads exactly the same. */
const missingMessage = (id: string): string =>
  `Object ${id} does not exist in this store or the shared catalog (never created, deleted, or private to another session).`;

/**
 * An error as its owner's client may see it: the catalog names in its text (`<owner>__<name>`) as the
 * client wrote them, without the owner's prefix, which is the server's bookkeeping.
 */
export function withOwnerPrefixHidden<E>(owner: string | undefined, e: E): E {
  if (owner === undefined || !(e instanceof Error)) return e;
  const prefix = `${owner}${SEPARATOR}`;
  e.message = e.message.split(prefix).join('');
  if (e.stack) e.stack = e.stack.split(prefix).join('');
  return e;
}

export class Owners {
  readonly #persistedBy = new Map<string, string>();

  /** The catalog name of an owner's `name`: hex and underscores, so no glob or regex character. */
  name(owner: string, name: string): string {
    if (typeof name !== 'string' || name.length === 0) throw malformed(`a name must be a non-empty string, got ${JSON.stringify(name)}.`);
    return `${owner}${SEPARATOR}${name}`;
  }

  unname(owner: string, full: string): string {
    return full.slice(owner.length + SEPARATOR.length);
  }

  /** `id` (and everything it refers to) was persisted by `owner`. */
  record(owner: string, id: string, store: ObjectStore): void {
    const stack = [id];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (this.#persistedBy.get(next) === owner) continue;
      this.#persistedBy.set(next, owner);
      for (const member of Object.values(store.getMeta(next).members)) stack.push(member.toString());
    }
  }

  /**
   * Forgets the owner of every object that no longer `exists` (deleted, cleared with its persisted
   * objects, or dropped with its session): called after each such change, so the records never outgrow
   * the catalog. An id is never reused, so forgetting cannot make another owner's object visible.
   */
  prune(exists: (id: string) => boolean): void {
    for (const id of [...this.#persistedBy.keys()]) if (!exists(id)) this.#persistedBy.delete(id);
  }

  /** How many objects have a recorded owner. */
  get size(): number {
    return this.#persistedBy.size;
  }

  visible(owner: string, id: string): boolean {
    const by = this.#persistedBy.get(id);
    return by === undefined || by === owner;
  }

  /** The id, if the caller may see it; otherwise the very error a missing id gives. */
  check(owner: string, id: unknown): string {
    if (typeof id !== 'string') throw malformed(`an object id must be a string like 'o0000018f3a2b4c5d', got ${JSON.stringify(id)}.`);
    const text = ObjectID.parse(id).toString();
    if (!this.visible(owner, text)) throw new ObjectNotExistsError(missingMessage(text));
    return text;
  }
}

