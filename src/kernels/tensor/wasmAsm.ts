/**
 * A tiny WebAssembly assembler: LEB128 numbers, sections and the handful of instructions the kernels
 * emit (wasmGemm.ts, wasmPhilox.ts). There is no wasm toolchain at build time; the modules are small
 * enough to write as bytes, and V8 compiles them when a worker first needs them.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;
export const V128 = 0x7b;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// Instructions (the few this module needs).
export const get = (i: number): number[] => [0x20, ...uleb(i)];
export const set = (i: number): number[] => [0x21, ...uleb(i)];
export const i32c = (v: number): number[] => [0x41, ...sleb(v)];
export const ADD = [0x6a];
export const MUL = [0x6c];
export const LT_U = [0x49];
export const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm];
export const vload = (offset: number): number[] => simd(0x00, 3, ...uleb(offset));
export const vstore = (offset: number): number[] => simd(0x0b, 3, ...uleb(offset));
export const splat64 = (offset: number): number[] => simd(0x0a, 3, ...uleb(offset));
export const F64X2_ADD = simd(0xf0);
export const F64X2_MUL = simd(0xf2);

export const tee = (i: number): number[] => [0x22, ...uleb(i)];

// Structured control (blocks and loops of no result) and branches out to an enclosing depth.
export const BLOCK = [0x02, 0x40];
export const LOOP = [0x03, 0x40];
export const IF = [0x04, 0x40];
export const END = [0x0b];
export const br = (depth: number): number[] => [0x0c, depth];
export const brIf = (depth: number): number[] => [0x0d, depth];
export const I32_AND = [0x71];
export const I32_SHL = [0x74];
/** A lane of an f64x2 as an f64. */
export const f64x2Lane = (k: number): number[] => simd(0x21, k);
export const V128_ZERO = simd(0x0c, ...new Array<number>(16).fill(0));
export const i64c = (v: bigint): number[] => {
  const out: number[] = [0x42];
  let x = BigInt.asIntN(64, v);
  for (;;) {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    if ((x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
};
export const I64_MUL = [0x7e];
export const I64_ADD = [0x7c];
export const I64_SHR_U = [0x88];
export const I64_OR = [0x84];
export const I64_SHL = [0x86];
export const I64_EXTEND_I32_U = [0xad];
export const I32_WRAP_I64 = [0xa7];
export const I32_XOR = [0x73];
export const I32_ADD = ADD;
export const I32_SHR_U = [0x76];
export const F64_CONVERT_I64_U = [0xba];
export const F64_MUL = [0xa2];
export const f64store = (offset: number): number[] => [0x39, 3, ...uleb(offset)];
export const i32store = (offset: number): number[] => [0x36, 2, ...uleb(offset)];
export const f64c = (v: number): number[] => {
  const b = new Uint8Array(new Float64Array([v]).buffer);
  return [0x44, ...b];
};

/** A function body: its locals as [count, type] groups, then the code, then `end`. */
export function funcBody(locals: readonly (readonly [number, number])[], code: readonly number[]): number[] {
  const body = [...vec(locals.map(([n, t]) => [...uleb(n), t])), ...code, 0x0b];
  return [...uleb(body.length), ...body];
}

export const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
