/**
 * `ObjectID` as Vineyard's users write it: a function that makes ids. `ObjectID('o0000018f3a2b4c5d')`
 * parses the printed form (strictly, see objectId.ts), `ObjectID(123n)` or `ObjectID(123)` wraps a
 * uint64, an id passes through, and `ObjectID()` is the invalid id (2^64 - 1), as Vineyard's
 * `ObjectID()` is. `new ObjectID(...)` does the same. A class cannot be called without `new`, so this is
 * a function standing in front of the store's class: its `prototype` is the class's, so
 * `id instanceof ObjectID` holds for every id the store hands out, and the class's static
 * constructors (`parse`, `fromBigInt`, `fromUri`, `from`) are on it.
 */
import { UserInputError } from './errors.js';
import { INVALID_OBJECT_ID, ObjectID as ObjectIDClass } from './objectId.js';

export type ObjectIDInput = ObjectIDClass | string | bigint | number;

export interface ObjectIDFunction {
  (id?: ObjectIDInput): ObjectIDClass;
  new (id?: ObjectIDInput): ObjectIDClass;
  readonly prototype: ObjectIDClass;
  readonly parse: typeof ObjectIDClass.parse;
  readonly fromBigInt: typeof ObjectIDClass.fromBigInt;
  readonly fromUri: typeof ObjectIDClass.fromUri;
  readonly from: typeof ObjectIDClass.from;
}

function makeObjectID(id?: ObjectIDInput): ObjectIDClass {
  if (id === undefined) return INVALID_OBJECT_ID;
  if (typeof id === 'number') {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new UserInputError(
        `${id} is not an object id: pass a non-negative integer up to 2^53 - 1, a bigint, or the printed form 'o' + 16 hex digits.`,
      );
    }
    return ObjectIDClass.fromBigInt(BigInt(id));
  }
  if (typeof id !== 'string' && typeof id !== 'bigint' && !(id instanceof ObjectIDClass)) {
    throw new UserInputError(
      `${typeof id === 'object' ? 'an object' : typeof id} is not an object id: pass the printed form ('o' + 16 hex digits), a bigint or a number.`,
    );
  }
  return ObjectIDClass.from(id);
}

// `new ObjectID(x)` returns the object the function returns; `instanceof` looks at this prototype.
makeObjectID.prototype = ObjectIDClass.prototype;
Object.defineProperty(makeObjectID, 'name', { value: 'ObjectID' });

export const ObjectID = Object.freeze(
  Object.assign(makeObjectID, {
    parse: ObjectIDClass.parse,
    fromBigInt: ObjectIDClass.fromBigInt,
    fromUri: ObjectIDClass.fromUri,
    from: ObjectIDClass.from,
  }),
) as unknown as ObjectIDFunction;

export type ObjectID = ObjectIDClass;
