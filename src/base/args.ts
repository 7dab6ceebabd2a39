/**
 * Checking arguments where they enter the API, so a wrong type is a typed error naming the argument
 * instead of a `TypeError` from deep inside (`Cannot read properties of null (reading 'dtype')`).
 */
import { InvalidArgumentError } from './errors.js';
import { show } from './show.js';

/** An options argument: `undefined` is no options; anything but a plain object is refused. */
export function optionsObject<T extends object>(value: T | undefined, where: string): T {
  if (value === undefined) return {} as T;
  const proto = typeof value === 'object' && value !== null ? (Object.getPrototypeOf(value) as unknown) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    throw new InvalidArgumentError(`${where} takes an options object, got ${show(value)}.`);
  }
  return value;
}
