/**
 * User functions cross to worker threads as source text, so `t.map(fn)` / `t.reduce(fn)` accept only
 * pure functions: their own parameters and locals plus pure built-ins (Math, Number, ...). Anything
 * captured from outside, `this`, built-in or bound functions, async functions, generators and classes
 * are refused at build time with `UserFunctionError` naming the problem.
 */
import { describe, expect, it } from 'vitest';
import { UserFunctionError } from '../../../src/base/errors.js';
import { pureFunctionSource } from '../../../src/ops/purity.js';

function refusal(fn: unknown): UserFunctionError {
  try {
    pureFunctionSource(fn, 'map');
  } catch (e) {
    expect(e).toBeInstanceOf(UserFunctionError);
    expect((e as UserFunctionError).code).toBe('InvalidUserFunction');
    return e as UserFunctionError;
  }
  throw new Error('the function was accepted');
}

const outer = 3;
const table = [1, 2, 3];
function helper(x: number): number {
  return x + 1;
}

describe('pure functions pass', () => {
  const pure: [string, unknown][] = [
    ['an arrow with an expression body', (x: number) => x * 2 + 1],
    ['Math and Number', (x: number) => Math.sqrt(Math.abs(x)) + Number.EPSILON],
    ['locals, loops, destructuring and inner functions', (x: number) => {
      const [a, b] = [x, 2];
      let s = 0;
      for (let i = 0; i < b; i++) s += a;
      const sq = (v: number): number => v * v;
      function twice(v: number): number {
        return v * 2;
      }
      return twice(sq(s));
    }],
    ['a function expression', function (x: number) {
      return x > 0 ? x : -x;
    }],
    ['a named function declaration referencing itself', function fact(n: number): number {
      return n <= 1 ? 1 : n * fact(n - 1);
    }],
    ['method syntax', { f(x: number) { return x + 1; } }.f],
    ['default parameters and a try/catch', (x: number, y = 2) => {
      try {
        return x ** y;
      } catch (e) {
        return Number.isNaN(x) ? 0 : String(e).length;
      }
    }],
    ['object literal keys and member names that look like outer names', (x: number) => ({ outer: x, table: 1 }).outer + ({ x }).x],
    ['labels and break', (x: number) => {
      let n = 0;
      loop: for (;;) {
        n++;
        if (n > x) break loop;
      }
      return n;
    }],
  ];
  it.each(pure)('%s', (_name, fn) => {
    const src = pureFunctionSource(fn, 'map');
    // The source must rebuild into a working function on its own, as a worker does.
    const rebuilt = new Function(`"use strict"; return (${src});`)() as (x: number) => number;
    expect(rebuilt(3)).toEqual((fn as (x: number) => number)(3));
  });
});

describe('impure or unshippable functions are refused', () => {
  it('a captured variable, named in the error', () => {
    const e = refusal((x: number) => x * outer);
    expect(e.message).toContain('`outer`');
    expect(e.message).toMatch(/captures/);
  });

  it('several captured names, all named', () => {
    const local = 5;
    const e = refusal((x: number) => x + local + (table[0] ?? 0));
    expect(e.message).toContain('`local`');
    expect(e.message).toContain('`table`');
  });

  it('a call to an outer helper function', () => {
    expect(refusal((x: number) => helper(x)).message).toContain('`helper`');
  });

  it('global state: globalThis, process, console, Date', () => {
    expect(refusal((x: number) => x + (globalThis as unknown as { k: number }).k).message).toContain('`globalThis`');
    expect(refusal((x: number) => x + Number(process.pid)).message).toContain('`process`');
    expect(refusal((x: number) => {
      console.log(x);
      return x;
    }).message).toContain('`console`');
    expect(refusal(() => Date.now()).message).toContain('`Date`');
  });

  it('`this`', () => {
    const e = refusal(function (this: { k: number }, x: number) {
      return x + this.k;
    });
    expect(e.message).toMatch(/this/);
  });

  it('built-in and bound functions', () => {
    refusal(Math.sqrt);
    refusal(((x: number) => x).bind(null));
  });

  it('async functions, generators and classes', () => {
    refusal(async (x: number) => x);
    refusal(function* (x: number) {
      yield x;
    });
    refusal(class {});
  });

  it('things that are not functions', () => {
    refusal(42);
    refusal('x => x');
    refusal(null);
  });

  it('a shadowing parameter is fine, a free name next to it is not', () => {
    expect(() => pureFunctionSource((outer: number) => outer * 2)).not.toThrow();
    expect(refusal((x: number) => {
      const y = x;
      return y + outer;
    }).message).toContain('`outer`');
  });
});

describe('names resolve by scope, not anywhere in the function', () => {
  // Built from exact source text: the test transform would rename shadowed variables otherwise.
  const fromSource = (src: string): unknown => (0, eval)(`(${src})`);

  it.each([
    ['a block-scoped const outside its block', '(x) => { { const outer = 1; } return x + outer; }'],
    ["an inner function's parameter", '(x) => { const f = (outer) => outer; return f(x) * outer; }'],
    ['a catch parameter outside its catch', '(x) => { try { return x; } catch (outer) { return 0; } finally { outer; } }'],
    ["an inner function expression's own name", '(x) => { const g = function outer() { return 1; }; return g() + outer; }'],
    ['a loop variable after the loop', '(x) => { for (let outer = 0; outer < 2; outer++) {} return outer + x; }'],
    ["an arrow's arguments (they are the enclosing function's)", '(x) => arguments.length + x'],
  ])('refuses %s', (_name, src) => {
    refusal(fromSource(src));
  });

  it.each([
    ['var hoisted out of a block', '(x) => { { var z = 2; } return x + z; }'],
    ['a function declaration used before it', '(x) => { return h() + x; function h() { return 1; } }'],
    ['a function\'s own arguments', 'function (x) { return arguments.length + x; }'],
    ['a switch-case const', '(x) => { switch (x) { case 1: { const k = 2; return k; } default: const j = 3; return j; } }'],
    ["esbuild's __name wrapper (tsx keepNames)", '(x) => { const sq = __name((v) => v * v, "sq"); return sq(x); }'],
  ])('accepts %s', (_name, src) => {
    const source = pureFunctionSource(fromSource(src));
    const rebuilt = new Function(`"use strict"; const __name = (f) => f; return (${source});`)() as (x: number) => number;
    expect(typeof rebuilt(2)).toBe('number');
  });
});
