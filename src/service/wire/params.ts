/**
 * Reading a wire node's params: each getter checks one field's JSON type and names the field and the
 * node when it is wrong, so a malformed request is a 400 that says what to fix. Ranges and meanings
 * are left to the op builders, which check them as they do for a user's call.
 */
import { malformed } from './errors.js';

export class Params {
  readonly #p: Readonly<Record<string, unknown>>;
  readonly #where: string;

  constructor(params: unknown, where: string) {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw malformed(`${where}: params must be an object.`);
    this.#p = params as Record<string, unknown>;
    this.#where = where;
  }

  has(name: string): boolean {
    return this.#p[name] !== undefined;
  }

  raw(name: string): unknown {
    return this.#p[name];
  }

  #bad(name: string, what: string): never {
    throw malformed(`${this.#where}: params.${name} must be ${what}.`);
  }

  number(name: string): number {
    const v = this.#p[name];
    return typeof v === 'number' ? v : this.#bad(name, 'a number');
  }
  int(name: string): number {
    const v = this.#p[name];
    return Number.isSafeInteger(v) ? (v as number) : this.#bad(name, 'an integer');
  }
  string(name: string): string {
    const v = this.#p[name];
    return typeof v === 'string' ? v : this.#bad(name, 'a string');
  }
  boolean(name: string): boolean {
    const v = this.#p[name];
    return typeof v === 'boolean' ? v : this.#bad(name, 'true or false');
  }
  ints(name: string): number[] {
    const v = this.#p[name];
    return Array.isArray(v) && v.every((x) => Number.isSafeInteger(x)) ? (v as number[]) : this.#bad(name, 'a list of integers');
  }
  strings(name: string): string[] {
    const v = this.#p[name];
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : this.#bad(name, 'a list of strings');
  }
  /** Chunk extents per axis: a list of lists of integers. */
  splits(name: string): number[][] {
    const v = this.#p[name];
    return Array.isArray(v) && v.every((s) => Array.isArray(s) && s.every((x) => Number.isSafeInteger(x)))
      ? (v as number[][])
      : this.#bad(name, 'a list of lists of integers (chunk extents per axis)');
  }
  object(name: string): Record<string, unknown> {
    const v = this.#p[name];
    return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) ? (v as Record<string, unknown>) : this.#bad(name, 'an object');
  }
  optionalNumber(name: string): number | undefined {
    return this.has(name) ? this.number(name) : undefined;
  }
  optionalString(name: string): string | undefined {
    return this.has(name) ? this.string(name) : undefined;
  }
}
