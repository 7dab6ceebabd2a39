/**
 * Handles on stored objects, as `getObject` returns them (Vineyard's `Object` and `Blob`): the sealed
 * meta plus navigation to members. And `BlobWriter`, the way to fill a new blob in place before sealing
 * it (Vineyard's `BlobBuilder`): a second `seal`, or an `abort` after sealing, throws `ObjectSealed`.
 */
import { ObjectSealedError } from './errors.js';
import type { ObjectID } from './objectId.js';
import type { ObjectMeta } from './objectMeta.js';

export class StoredObject {
  readonly id: ObjectID;
  readonly meta: ObjectMeta;
  readonly #resolve: (id: ObjectID) => StoredObject;

  constructor(meta: ObjectMeta, resolve: (id: ObjectID) => StoredObject) {
    this.id = meta.id;
    this.meta = meta;
    this.#resolve = resolve;
  }

  get typename(): string {
    return this.meta.typename;
  }
  get nbytes(): number {
    return this.meta.nbytes;
  }
  get isPersist(): boolean {
    return this.meta.isPersist;
  }
  get isGlobal(): boolean {
    return this.meta.global;
  }
  get isBlob(): boolean {
    return this.meta.isBlob;
  }
  /** The member object or blob called `name`. */
  member(name: string): StoredObject {
    return this.#resolve(this.meta.member(name));
  }
}

export class StoredBlob extends StoredObject {
  readonly #bytes: () => ArrayBufferView;

  constructor(meta: ObjectMeta, resolve: (id: ObjectID) => StoredObject, bytes: () => ArrayBufferView) {
    super(meta, resolve);
    this.#bytes = bytes;
  }

  /** The blob's bytes as the typed array they were stored as (read back from disk if spilled). */
  get data(): ArrayBufferView {
    return this.#bytes();
  }
}

export class BlobWriter {
  /** Fill these bytes, then `seal()`. */
  readonly buffer: Uint8Array;
  readonly #seal: (bytes: Uint8Array) => ObjectID;
  #state: 'open' | 'sealed' | 'aborted' = 'open';

  constructor(size: number, seal: (bytes: Uint8Array) => ObjectID) {
    this.buffer = new Uint8Array(new SharedArrayBuffer(size));
    this.#seal = seal;
  }

  get sealed(): boolean {
    return this.#state === 'sealed';
  }

  seal(): ObjectID {
    this.#check('seal');
    const id = this.#seal(this.buffer);
    this.#state = 'sealed';
    return id;
  }

  abort(): void {
    this.#check('abort');
    this.#state = 'aborted';
  }

  #check(what: string): void {
    if (this.#state !== 'open') {
      throw new ObjectSealedError(`Cannot ${what} this blob writer: it was already ${this.#state}. Create a new one with store.createBlob(size).`);
    }
  }
}
