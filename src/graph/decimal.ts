/**
 * Decimal text to the nearest double, bit for bit what `Number()` gives, without making a string. The
 * parsers collect a token's significant digits as w (up to 19 digits, an unsigned 64-bit integer held
 * as two uint32 halves) and its power of ten q; then:
 * - Clinger's fast path: w < 2^53 and |q| <= 22 is one correctly rounded multiply or divide;
 * - Eisel–Lemire (Lemire, "Number Parsing at a Gigabyte per Second", 2021, as in fast_float): w times a
 *   128-bit truncation of 5^q gives the double's 53 bits and the rounding directly, for any q;
 * - anything longer (20+ significant digits) goes to `Number()` on the text, by the caller.
 * JS has no 64-bit integer type, so the 64 x 64 -> 128-bit products are done on 32-bit limbs (each
 * 32 x 32 product's high half from two exact 32 x 16 products, its low half by Math.imul), and no `%`
 * (a library call in V8): low words are taken with `>>> 0`.
 */

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);
const TWO_32 = 2 ** 32;

const SMALLEST_POWER = -342;
const LARGEST_POWER = 308;

/**
 * 5^q for q in [-342, 308], normalised to 128 bits (most significant bit set) and truncated (rounded
 * up for negative q, as fast_float's table), as four uint32 limbs from the most significant. Built on
 * first use with BigInt (a few milliseconds).
 */
let powersOfFive: Uint32Array | undefined;

function buildPowersOfFive(): Uint32Array {
  const table = new Uint32Array(4 * (LARGEST_POWER - SMALLEST_POWER + 1));
  const top = 1n << 128n;
  for (let q = SMALLEST_POWER; q <= LARGEST_POWER; q++) {
    let c: bigint;
    if (q < 0) {
      const power = 5n ** BigInt(-q);
      const z = BigInt(power.toString(2).length - (power & (power - 1n) ? 0 : 1));
      c = (1n << (q >= -27 ? z + 127n : 2n * z + 128n)) / power + 1n;
      while (c >= top) c >>= 1n;
    } else {
      c = 5n ** BigInt(q);
      while (c < 1n << 127n) c <<= 1n;
      while (c >= top) c >>= 1n;
    }
    const at = 4 * (q - SMALLEST_POWER);
    for (let k = 0; k < 4; k++) table[at + k] = Number((c >> BigInt(96 - 32 * k)) & 0xffffffffn);
  }
  return table;
}

/** The high 32 bits of a * b for uint32 a, b, exactly: a * b = a * (b >>> 16) * 2^16 + a * (b & 0xffff), both below 2^48. */
function mulHigh(a: number, b: number): number {
  return Math.floor((a * (b >>> 16) + Math.floor((a * (b & 0xffff)) / 65536)) / 65536);
}

/**
 * The 128-bit product of (a1:a0) and (b1:b0) into `product`, limbs from the most significant (a typed
 * array, not module variables: a double in a module variable is a heap number, one allocation a write).
 */
const product = new Float64Array(4);

function mul64(a1: number, a0: number, b1: number, b0: number): void {
  const lh = Math.imul(a0, b1) >>> 0;
  const hl = Math.imul(a1, b0) >>> 0;
  const s1 = mulHigh(a0, b0) + lh + hl;
  const c1 = Math.floor(s1 / TWO_32);
  const s2 = mulHigh(a0, b1) + mulHigh(a1, b0) + (Math.imul(a1, b1) >>> 0) + c1;
  const c2 = Math.floor(s2 / TWO_32);
  product[0] = mulHigh(a1, b1) + c2;
  product[1] = s2 - c2 * TWO_32;
  product[2] = s1 - c1 * TWO_32;
  product[3] = Math.imul(a0, b0) >>> 0;
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const LOW_WORD = LITTLE_ENDIAN ? 0 : 1;

/** The double with these IEEE fields (exponent field 0..2047, fraction as 20 high and 32 low bits). */
function fromFields(negative: boolean, exponent: number, fractionHigh: number, fractionLow: number): number {
  words[LOW_WORD] = fractionLow;
  words[1 - LOW_WORD] = ((negative ? 0x80000000 : 0) | (exponent << 20) | fractionHigh) >>> 0;
  return bits[0]!;
}

/**
 * The double nearest to w * 10^q (w = wHigh * 2^32 + wLow < 2^64, from at most 19 digits), rounded to
 * even, or NaN when Eisel–Lemire cannot decide (then the caller asks `Number()`).
 */
export function decimalToDouble(negative: boolean, wHigh: number, wLow: number, q: number): number {
  const w = wHigh * TWO_32 + wLow;
  if (w <= 2 ** 53 && q >= -22 && q <= 22) {
    const value = q >= 0 ? w * POWERS_OF_TEN[q]! : w / POWERS_OF_TEN[-q]!;
    return negative ? -value : value;
  }
  if (wHigh === 0 && wLow === 0) return negative ? -0 : 0;
  // 10^19 * 10^-343 is below half the smallest subnormal; 1 * 10^309 is above the largest double.
  if (q < SMALLEST_POWER) return negative ? -0 : 0;
  if (q > LARGEST_POWER) return negative ? -Infinity : Infinity;
  const table = (powersOfFive ??= buildPowersOfFive());
  // Normalise w so its top bit is set.
  const lz = wHigh !== 0 ? Math.clz32(wHigh) : 32 + Math.clz32(wLow);
  let w1: number;
  let w0: number;
  if (lz >= 32) {
    w1 = lz === 32 ? wLow : (wLow << (lz - 32)) >>> 0;
    w0 = 0;
  } else if (lz === 0) {
    w1 = wHigh;
    w0 = wLow;
  } else {
    w1 = ((wHigh << lz) | (wLow >>> (32 - lz))) >>> 0;
    w0 = (wLow << lz) >>> 0;
  }
  const at = 4 * (q - SMALLEST_POWER);
  mul64(w1, w0, table[at]!, table[at + 1]!);
  let high1 = product[0]!;
  let high0 = product[1]!;
  let low1 = product[2]!;
  let low0 = product[3]!;
  // Fewer than 55 + 1 exact bits in the high half: refine with the next 64 bits of 5^q.
  if ((high0 & 0x1ff) === 0x1ff) {
    mul64(w1, w0, table[at + 2]!, table[at + 3]!);
    const sum0 = low0 + product[1]!;
    const c0 = sum0 >= TWO_32 ? 1 : 0;
    low0 = sum0 - c0 * TWO_32;
    const sum1 = low1 + product[0]! + c0;
    const c1 = sum1 >= TWO_32 ? 1 : 0;
    low1 = sum1 - c1 * TWO_32;
    if (c1) {
      high0 += 1;
      if (high0 === TWO_32) {
        high0 = 0;
        high1 += 1;
      }
    }
  }
  // The product's low half all ones: maybe too close to a halfway point to call outside the range where
  // the truncated power is exact (the paper's fallback; proven unreachable since, kept as a guard).
  if (low1 === TWO_32 - 1 && low0 === TWO_32 - 1 && (q < -27 || q > 55)) return NaN;
  const upper = high1 >>> 31;
  const shift = upper + 9;
  // The 54-bit mantissa (one bit more than a double's) as m1 (top 22 bits) and m0 (low 32).
  let m1 = high1 >>> shift;
  let m0 = ((high1 << (32 - shift)) | (high0 >>> shift)) >>> 0;
  let power2 = ((217706 * q) >> 16) + 63 + upper - lz + 1023;
  if (power2 <= 0) {
    // Subnormal: shift the extra bits out, then round half up (ties cannot occur this far down).
    const s = 1 - power2;
    if (s >= 64) return negative ? -0 : 0;
    if (s >= 32) {
      m0 = m1 >>> (s - 32);
      m1 = 0;
      if (s - 32 >= 32) m0 = 0;
    } else if (s > 0) {
      m0 = ((m0 >>> s) | (m1 << (32 - s))) >>> 0;
      m1 = m1 >>> s;
    }
    const m = (m1 * TWO_32 + m0 + (m0 & 1)) / 2;
    const exponent = m < 2 ** 52 ? 0 : 1;
    const fraction = m - exponent * 2 ** 52;
    return fromFields(negative, exponent, Math.floor(fraction / TWO_32), fraction >>> 0);
  }
  // Exactly halfway between two doubles (possible only for small |q|): round to even, not up.
  if (low1 === 0 && low0 <= 1 && q >= -4 && q <= 23 && (m0 & 3) === 1 && (high0 & ((1 << shift) - 1)) === 0) {
    m0 -= 1;
  }
  // Round: add the lowest bit, drop it (53 bits remain, or 54 when the rounding carried out).
  let m = m1 * 2 ** 31 + (m0 + (m0 & 1)) / 2;
  if (m >= 2 ** 53) {
    m = 2 ** 52;
    power2++;
  }
  if (power2 >= 2047) return negative ? -Infinity : Infinity;
  const fraction = m - 2 ** 52;
  return fromFields(negative, power2, Math.floor(fraction / TWO_32), fraction >>> 0);
}
