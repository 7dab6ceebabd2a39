/**
 * The object store's errors. Each is a `StoreError` whose `code` is the name Vineyard gives the same
 * condition (`ObjectNotExists`, `NotEnoughMemory`, ...), so callers, tests and HTTP bodies branch on one
 * stable vocabulary. Every class is registered with `registerErrorClass`, so a store error thrown on one
 * thread is rebuilt into its own class on the other side.
 */
import { TesseraError, registerErrorClass } from '../base/errors.js';

export type StoreErrorCode =
  | 'ObjectNotExists'
  | 'ObjectExists'
  | 'Invalid'
  | 'AssertionFailed'
  | 'UserInputError'
  | 'NotEnoughMemory'
  | 'ObjectSealed'
  | 'GlobalObjectInvalid'
  | 'MetaTreeInvalid'
  | 'TypeError'
  | 'IOError';

export class StoreError extends TesseraError {
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** An id, name or chunk key the caller asked for is not (or no longer) in the store. */
export class ObjectNotExistsError extends StoreError {
  constructor(message: string) {
    super('ObjectNotExists', message);
  }
}
/** A name is already bound to another object and the caller did not ask to overwrite it. */
export class ObjectExistsError extends StoreError {
  constructor(message: string) {
    super('ObjectExists', message);
  }
}
/** The request is well formed but not allowed in the object's state (naming a transient object, a blob). */
export class InvalidError extends StoreError {
  constructor(message: string) {
    super('Invalid', message);
  }
}
/** An operation that can never apply to this kind of object (persisting a blob, non-primitive extra meta). */
export class AssertionFailedError extends StoreError {
  constructor(message: string) {
    super('AssertionFailed', message);
  }
}
/** Malformed input from the caller: an id string that is not `o` + 16 lowercase hex digits, a bad URI. */
export class UserInputError extends StoreError {
  constructor(message: string) {
    super('UserInputError', message);
  }
}
/** A value does not fit under the memory limit even after evicting everything that may be evicted. */
export class NotEnoughMemoryError extends StoreError {
  readonly requested: number;
  readonly memoryUsage: number;
  readonly memoryLimit: number;
  readonly freeable: number;
  constructor(message: string, sizes: { requested: number; memoryUsage: number; memoryLimit: number; freeable: number }, options?: { cause?: unknown }) {
    super('NotEnoughMemory', message, options);
    this.requested = sizes.requested;
    this.memoryUsage = sizes.memoryUsage;
    this.memoryLimit = sizes.memoryLimit;
    this.freeable = sizes.freeable;
  }
}
/** A write to metadata or a builder that has already been sealed. */
export class ObjectSealedError extends StoreError {
  constructor(message: string) {
    super('ObjectSealed', message);
  }
}
/** A global object nested in a global object, or a local object referring to another instance's object. */
export class GlobalObjectInvalidError extends StoreError {
  constructor(message: string) {
    super('GlobalObjectInvalid', message);
  }
}
/** Metadata that cannot describe an object (no typename). */
export class MetaTreeInvalidError extends StoreError {
  constructor(message: string) {
    super('MetaTreeInvalid', message);
  }
}
/** A value of a type no codec can store, or a stored typename no resolver can rebuild. */
export class StoreTypeError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TypeError', message, options);
  }
}

/** Spilled bytes could not be read back (the spill file was removed, truncated or unreadable). */
export class SpillError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('IOError', message, options);
  }
}

for (const cls of [
  SpillError,
  StoreError,
  ObjectNotExistsError,
  ObjectExistsError,
  InvalidError,
  AssertionFailedError,
  UserInputError,
  NotEnoughMemoryError,
  ObjectSealedError,
  GlobalObjectInvalidError,
  MetaTreeInvalidError,
  StoreTypeError,
]) {
  registerErrorClass(cls as unknown as new (...args: never[]) => Error);
}
