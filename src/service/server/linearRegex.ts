/**
 * A client's regex run in time linear in program × text, whatever the pattern: Thompson's construction
 * run as a Pike VM (Russ Cox, "Regular Expression Matching: the Virtual Machine Approach"). The regex
 * text is JavaScript's (regexSyntax.ts), so a pattern answers as `new RegExp(source).test(text)` does in
 * the local store; only whether it matches is computed (no captures, no match position), which is all a
 * list filter or a delete selector needs — and is why a lazy quantifier is the same as a greedy one here.
 *
 * Why not V8's own linear engine: it is behind `--enable-experimental-regexp-engine`, a V8 flag that
 * would have to be set at run time for the whole process, which Node does not support. Why not a
 * library (re2js, a port of RE2): RE2's syntax and classes differ from JavaScript's (`.` and `\s`
 * match other characters, `\u0041` is refused), so the same pattern would answer differently on the
 * server than in a local store, and it would add a 260 KB bundle for the subset of it we accept.
 */
import { type Assertion, isWordUnit, parseRegex, type Ranges, type RegexNode, Unbounded } from './regexSyntax.js';

/** The most instructions a compiled pattern may have: its per-character cost is at most this many steps. */
export const MAX_PROGRAM = 10_000;

type Instruction =
  | { readonly op: 'unit'; readonly ranges: Ranges }
  | { readonly op: 'assert'; readonly what: Assertion }
  | { op: 'split'; next: number; alt: number }
  | { op: 'jump'; next: number }
  | { readonly op: 'match' };

export interface LinearRegex {
  /** Whether the pattern matches anywhere in `text` (as `RegExp.prototype.test`). */
  test(text: string): boolean;
}

/** Why a client's regex does not run: not a regex at all, or not one the server can bound. */
export type RegexRefusal = { readonly refused: 'invalid' } | { readonly refused: 'unbounded'; readonly why: string };

class Compiler {
  readonly program: Instruction[] = [];

  #emit(instruction: Instruction): number {
    if (this.program.length >= MAX_PROGRAM) throw new Unbounded(`a pattern that compiles to over ${MAX_PROGRAM} steps per character`);
    this.program.push(instruction);
    return this.program.length - 1;
  }

  compile(node: RegexNode): void {
    switch (node.kind) {
      case 'set':
        this.#emit({ op: 'unit', ranges: node.ranges });
        return;
      case 'assert':
        this.#emit({ op: 'assert', what: node.what });
        return;
      case 'concat':
        for (const item of node.items) this.compile(item);
        return;
      case 'alternate': {
        const jumps: { op: 'jump'; next: number }[] = [];
        node.items.forEach((item, i) => {
          const last = i === node.items.length - 1;
          const split = last ? undefined : { op: 'split' as const, next: 0, alt: 0 };
          if (split) {
            this.#emit(split);
            split.next = this.program.length;
          }
          this.compile(item);
          if (split) {
            const jump = { op: 'jump' as const, next: 0 };
            this.#emit(jump);
            jumps.push(jump);
            split.alt = this.program.length;
          }
        });
        for (const jump of jumps) jump.next = this.program.length;
        return;
      }
      case 'repeat':
        this.#repeat(node.item, node.min, node.max);
    }
  }

  #repeat(item: RegexNode, min: number, max: number): void {
    for (let i = 0; i < min; i++) this.compile(item);
    if (max === Infinity) {
      // loop: split body, out; body; jump loop
      const split = { op: 'split' as const, next: 0, alt: 0 };
      const loop = this.#emit(split);
      split.next = this.program.length;
      this.compile(item);
      this.#emit({ op: 'jump', next: loop });
      split.alt = this.program.length;
      return;
    }
    const optional: { op: 'split'; next: number; alt: number }[] = [];
    for (let i = min; i < max; i++) {
      const split = { op: 'split' as const, next: 0, alt: 0 };
      this.#emit(split);
      split.next = this.program.length;
      optional.push(split);
      this.compile(item);
    }
    for (const split of optional) split.alt = this.program.length;
  }
}

function inRanges(ranges: Ranges, unit: number): boolean {
  for (const [lo, hi] of ranges) {
    if (unit < lo) return false;
    if (unit <= hi) return true;
  }
  return false;
}

function holds(what: Assertion, text: string, at: number): boolean {
  switch (what) {
    case 'start':
      return at === 0;
    case 'end':
      return at === text.length;
    default: {
      const before = at > 0 && isWordUnit(text.charCodeAt(at - 1));
      const after = at < text.length && isWordUnit(text.charCodeAt(at));
      return (before !== after) === (what === 'word');
    }
  }
}

/** The Pike VM: every thread advances one code unit at a time, each instruction at most once per step. */
function run(program: readonly Instruction[], text: string): boolean {
  const seen = new Int32Array(program.length).fill(-1);
  const stack: number[] = [];
  let current: number[] = [];
  let next: number[] = [];
  /** Adds the threads `pc` reaches at `at` without reading; true once one of them matches. */
  const add = (list: number[], pc: number, at: number, step: number): boolean => {
    stack.push(pc);
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (seen[i] === step) continue;
      seen[i] = step;
      const instruction = program[i]!;
      switch (instruction.op) {
        case 'match':
          stack.length = 0;
          return true;
        case 'jump':
          stack.push(instruction.next);
          break;
        case 'split':
          stack.push(instruction.alt, instruction.next);
          break;
        case 'assert':
          if (holds(instruction.what, text, at)) stack.push(i + 1);
          break;
        case 'unit':
          list.push(i);
      }
    }
    return false;
  };
  // A search: a new thread starts at every position, as `test` tries every start.
  if (add(current, 0, 0, 0)) return true;
  for (let at = 0; at < text.length; at++) {
    const unit = text.charCodeAt(at);
    const step = at + 1;
    next.length = 0;
    for (const pc of current) {
      const instruction = program[pc] as { readonly ranges: Ranges };
      if (inRanges(instruction.ranges, unit) && add(next, pc + 1, step, step)) return true;
    }
    if (add(next, 0, step, step)) return true;
    [current, next] = [next, current];
  }
  return false;
}

/**
 * A client's regex compiled for the linear-time matcher, or why not: `invalid` (`RegExp` does not
 * compile it either) or `unbounded` (backreferences, lookaround, counted repetitions past 1000 or a
 * program past MAX_PROGRAM). The one place client regexes are compiled.
 */
export function compileLinear(source: string): LinearRegex | RegexRefusal {
  try {
    new RegExp(source);
  } catch {
    return { refused: 'invalid' };
  }
  try {
    const compiler = new Compiler();
    compiler.compile(parseRegex(source));
    compiler.program.push({ op: 'match' });
    const program = compiler.program;
    return { test: (text) => run(program, text) };
  } catch (e) {
    if (e instanceof Unbounded) return { refused: 'unbounded', why: e.message };
    throw e;
  }
}
