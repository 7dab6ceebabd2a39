/**
 * Object metadata. A `MetaBuilder` is the only mutable form: the caller sets a typename, user fields,
 * labels and members (existing ids or nested builders), then the store seals it. What the store hands
 * back is an `ObjectMeta`: deep-frozen, so what Vineyard only documents ("metadata obtained from
 * vineyard is readonly") is enforced — property writes fail, and `set`/`addMember` throw `ObjectSealed`.
 * Labels and names are the only things that change after sealing; each change replaces the stored meta
 * with a new frozen snapshot, and snapshots already handed out stay as they were.
 */
import { ObjectSealedError, ObjectNotExistsError, StoreTypeError } from './errors.js';
import { ObjectID, formatId, formatSignature } from './objectId.js';
import { isPlainObject } from '../base/plainSkeleton.js';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Everything a sealed meta holds; the store builds it, users read `ObjectMeta`. */
export interface MetaInit {
  readonly id: bigint;
  readonly typename: string;
  readonly nbytes: number;
  readonly instanceId: number;
  readonly transient: boolean;
  readonly global: boolean;
  readonly signature: string;
  readonly timestamp: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly members: ReadonlyMap<string, bigint>;
  readonly fields: Readonly<Record<string, JsonValue>>;
  readonly name?: string | undefined;
  readonly chunkKey?: string | undefined;
}

export class ObjectMeta {
  readonly id: ObjectID;
  readonly typename: string;
  /** Bytes of the blobs reachable from this object, each counted once. */
  readonly nbytes: number;
  readonly instanceId: number;
  readonly transient: boolean;
  readonly global: boolean;
  readonly signature: string;
  /** Milliseconds since the epoch when the object was created. */
  readonly timestamp: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly members: Readonly<Record<string, ObjectID>>;
  readonly fields: Readonly<Record<string, JsonValue>>;
  /** The most recently bound name still pointing here (Vineyard's `__name`). */
  readonly name: string | undefined;
  /** The chunk key when the engine created this object through the chunk interface. */
  readonly chunkKey: string | undefined;
  readonly #init: MetaInit;

  constructor(init: MetaInit) {
    this.#init = init;
    this.id = ObjectID.fromBigInt(init.id);
    this.typename = init.typename;
    this.nbytes = init.nbytes;
    this.instanceId = init.instanceId;
    this.transient = init.transient;
    this.global = init.global;
    this.signature = init.signature;
    this.timestamp = init.timestamp;
    this.labels = Object.freeze({ ...init.labels });
    const members: Record<string, ObjectID> = {};
    for (const [k, v] of init.members) members[k] = ObjectID.fromBigInt(v);
    this.members = Object.freeze(members);
    this.fields = init.fields;
    this.name = init.name;
    this.chunkKey = init.chunkKey;
    Object.freeze(this);
  }

  get isBlob(): boolean {
    return this.id.isBlob;
  }
  get isPersist(): boolean {
    return !this.transient;
  }
  has(field: string): boolean {
    return Object.hasOwn(this.fields, field);
  }
  get(field: string): JsonValue | undefined {
    return Object.hasOwn(this.fields, field) ? this.fields[field] : undefined;
  }
  member(name: string): ObjectID {
    const id = Object.hasOwn(this.members, name) ? this.members[name] : undefined;
    if (!id) {
      const known = Object.keys(this.members);
      throw new ObjectNotExistsError(
        `Object ${this.id} (${this.typename}) has no member '${name}'; its members are: ${known.length ? known.join(', ') : '(none)'}.`,
      );
    }
    return id;
  }
  set(key: string, _value: unknown): never {
    throw this.#sealed(`set field '${key}'`);
  }
  addMember(name: string, _member: unknown): never {
    throw this.#sealed(`add member '${name}'`);
  }

  /** A new snapshot with some of the mutable parts (labels, name, persistence) changed. */
  with(changes: Partial<Pick<MetaInit, 'labels' | 'name' | 'transient'>>): ObjectMeta {
    return new ObjectMeta({ ...this.#init, ...changes });
  }
  /** The raw members (bigint ids), for the store's graph walks. */
  memberValues(): IterableIterator<bigint> {
    return this.#init.members.values();
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id.toString(),
      typename: this.typename,
      nbytes: this.nbytes,
      instanceId: this.instanceId,
      transient: this.transient,
      global: this.global,
      signature: this.signature,
      timestamp: this.timestamp,
      labels: this.labels,
      members: Object.fromEntries([...this.#init.members].map(([k, v]) => [k, formatId(v)])),
      fields: this.fields,
      ...(this.name !== undefined ? { name: this.name } : {}),
      ...(this.chunkKey !== undefined ? { chunkKey: this.chunkKey } : {}),
    };
  }

  #sealed(what: string): ObjectSealedError {
    return new ObjectSealedError(
      `Cannot ${what} on the metadata of ${this.id}: it is sealed. Build a new object with a MetaBuilder ` +
        `(or store.shallowCopy(id, extraMeta)); labels change through store.label(id, key, value).`,
    );
  }
}

/** What `store.create` reads out of a builder when it seals it. */
export interface MetaDraft {
  readonly typename: string | undefined;
  readonly fields: Readonly<Record<string, JsonValue>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly members: ReadonlyMap<string, ObjectID | ObjectMeta | MetaBuilder>;
  readonly global: boolean;
}

/** The store calls this to take a builder's contents; a second call throws `ObjectSealed`. */
export const SEAL_BUILDER: unique symbol = Symbol('tessera.store.sealBuilder');

export class MetaBuilder {
  #typename: string | undefined;
  readonly #fields: Record<string, JsonValue> = {};
  readonly #labels: Record<string, string> = {};
  readonly #members = new Map<string, ObjectID | ObjectMeta | MetaBuilder>();
  #global = false;
  #sealed = false;

  constructor(typename?: string) {
    this.#typename = typename;
  }

  get sealed(): boolean {
    return this.#sealed;
  }
  setTypename(typename: string): this {
    this.#check(`set the typename`);
    this.#typename = typename;
    return this;
  }
  /** A user field: any JSON value (numbers must be finite); it is copied and frozen. */
  set(key: string, value: JsonValue): this {
    this.#check(`set field '${key}'`);
    this.#fields[key] = frozenJson(value, key);
    return this;
  }
  /** A member link to an existing object (by id or meta) or to a builder created in the same call. */
  addMember(name: string, member: ObjectID | ObjectMeta | MetaBuilder): this {
    this.#check(`add member '${name}'`);
    if (!(member instanceof ObjectID || member instanceof ObjectMeta || member instanceof MetaBuilder)) {
      throw new StoreTypeError(`Member '${name}' must be an ObjectID, an ObjectMeta or a MetaBuilder.`);
    }
    this.#members.set(name, member);
    return this;
  }
  label(key: string, value: string): this {
    this.#check(`set label '${key}'`);
    this.#labels[key] = String(value);
    return this;
  }
  setGlobal(global = true): this {
    this.#check('change the global flag');
    this.#global = global;
    return this;
  }

  /** Hands the contents to the store; `validate` runs first, so a refused builder stays unsealed. */
  [SEAL_BUILDER](validate: (draft: MetaDraft) => void): MetaDraft {
    this.#check('seal it');
    const draft: MetaDraft = {
      typename: this.#typename,
      fields: Object.freeze({ ...this.#fields }),
      labels: Object.freeze({ ...this.#labels }),
      members: new Map(this.#members),
      global: this.#global,
    };
    validate(draft);
    this.#sealed = true;
    return draft;
  }

  #check(what: string): void {
    if (this.#sealed) {
      throw new ObjectSealedError(`Cannot ${what}: this MetaBuilder was already sealed into an object. Start a new MetaBuilder.`);
    }
  }
}

/** A frozen deep copy of a JSON value; anything JSON cannot hold is a `TypeError`-coded error. */
export function frozenJson(value: unknown, where: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new StoreTypeError(`Metadata field '${where}' is ${value}; metadata numbers must be finite.`);
    }
    return value;
  }
  if (Array.isArray(value)) {
    return Object.freeze(value.map((v, i) => frozenJson(v, `${where}[${i}]`)));
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = frozenJson(v, `${where}.${k}`);
    return Object.freeze(out);
  }
  throw new StoreTypeError(
    `Metadata field '${where}' holds a ${describeType(value)}; metadata holds JSON values only ` +
      `(null, booleans, finite numbers, strings, arrays and plain objects of these).`,
  );
}

export { isPlainObject };

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const ctor = (value as { constructor?: { name?: string } }).constructor;
  return ctor?.name ? `${ctor.name} instance` : 'object';
}

export const BLOB_TYPENAME = 'tessera::Blob';

/** The meta of a blob: its byte length and the kind of typed array its bytes were stored as. */
export function blobMeta(id: bigint, kind: string, nbytes: number, instanceId: number): ObjectMeta {
  return new ObjectMeta({
    id,
    typename: BLOB_TYPENAME,
    nbytes,
    instanceId,
    transient: true,
    global: false,
    signature: formatSignature(id & ((1n << 63n) - 1n)),
    timestamp: Date.now(),
    labels: {},
    members: new Map(),
    fields: Object.freeze({ kind }),
  });
}
