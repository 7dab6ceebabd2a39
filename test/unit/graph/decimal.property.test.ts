/**
 * The decimal reader (graph/decimal.ts through scan.ts's parseDecimalSpan) gives exactly the double
 * `Number()` gives for the same text — the same bits, -0 included — on random doubles in every JS
 * notation, random digit strings with exponents, the 17-19 digit decimals between Clinger's fast path
 * and the Number() fallback, halfway and near-halfway points between neighbouring doubles, subnormals,
 * the edges of the range, and leading and trailing zeros.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimalSpan } from '../../../src/graph/scan.js';

const encoder = new TextEncoder();
const parse = (text: string): number => {
  const bytes = encoder.encode(text);
  return parseDecimalSpan(bytes, 0, bytes.length);
};
const sameAsNumber = (text: string): void => {
  const ours = parse(text);
  const theirs = Number(text);
  if (!Object.is(ours, theirs)) expect.fail(`${text}: ${ours} (${bits(ours)}) but Number gives ${theirs} (${bits(theirs)})`);
};
const bits = (x: number): string => Buffer.from(new Float64Array([x]).buffer).toString('hex');

/** Any finite double, from its 64 bits (subnormals, both zeros and extremes included). */
const doubles = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })).map(([hi, lo]) => {
  const u = new Uint32Array([lo, hi]);
  return new Float64Array(u.buffer)[0]!;
}).filter(Number.isFinite);

/** The exact decimal expansion of a double (a finite binary fraction), as digits and a power of ten. */
function exactDecimal(x: number): { digits: string; exponent: number } {
  const u = new BigUint64Array(new Float64Array([Math.abs(x)]).buffer)[0]!;
  const field = Number(u >> 52n);
  const mantissa = field === 0 ? (u & ((1n << 52n) - 1n)) << 1n : (u & ((1n << 52n) - 1n)) | (1n << 52n);
  const e2 = (field === 0 ? 1 : field) - 1075 - (field === 0 ? 1 : 0);
  // x = mantissa * 2^e2 = mantissa * 5^-e2 / 10^-e2 for e2 < 0.
  if (e2 >= 0) return { digits: (mantissa << BigInt(e2)).toString(), exponent: 0 };
  return { digits: (mantissa * 5n ** BigInt(-e2)).toString(), exponent: e2 };
}

/** The exact midpoint between a positive double and the next one up, as decimal text. */
function midpoint(x: number): string {
  const u = new BigUint64Array(new Float64Array([x]).buffer);
  const next = new Float64Array(new BigUint64Array([u[0]! + 1n]).buffer)[0]!;
  // x + next (exact, one more binary digit) halved: scale both expansions to a common exponent.
  const a = exactDecimal(x);
  const b = exactDecimal(next);
  const e = Math.min(a.exponent, b.exponent) - 1;
  const sum = (BigInt(a.digits) * 10n ** BigInt(a.exponent - e) + BigInt(b.digits) * 10n ** BigInt(b.exponent - e)) * 5n;
  return `${sum}e${e - 1}`;
}

describe('decimal text to double', () => {
  it('reads every JS notation of random doubles as Number() does', () => {
    fc.assert(
      fc.property(doubles, fc.integer({ min: 1, max: 21 }), fc.integer({ min: 0, max: 20 }), (x, precision, fixed) => {
        sameAsNumber(String(x));
        sameAsNumber(x.toExponential(Math.min(precision, 20) - 1 < 0 ? 0 : Math.min(precision, 20)));
        sameAsNumber(x.toPrecision(precision));
        if (Math.abs(x) < 1e21) sameAsNumber(x.toFixed(fixed));
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads random digit strings (1-25 digits, any dot, exponents to +-400) as Number() does', () => {
    const texts = fc
      .record({
        sign: fc.constantFrom('', '-', '+'),
        digits: fc.stringMatching(/^[0-9]{1,25}$/),
        dot: fc.nat(26),
        exponent: fc.option(fc.integer({ min: -400, max: 400 })),
        expSign: fc.boolean(),
      })
      .map(({ sign, digits, dot, exponent, expSign }) => {
        const at = Math.min(dot, digits.length);
        const body = at === digits.length ? digits : `${digits.slice(0, at)}.${digits.slice(at)}`;
        return `${sign}${body}${exponent === null ? '' : `e${expSign && exponent >= 0 ? '+' : ''}${exponent}`}`;
      });
    fc.assert(fc.property(texts, sameAsNumber), { numRuns: 50_000 });
  });

  it('reads 17-19 significant digits (Eisel-Lemire) at every scale as Number() does', () => {
    const texts = fc.tuple(fc.bigInt({ min: 10n ** 16n, max: 10n ** 19n - 1n }), fc.integer({ min: -360, max: 320 })).map(([w, q]) => `${w}e${q}`);
    fc.assert(fc.property(texts, sameAsNumber), { numRuns: 50_000 });
  });

  it('rounds halfway points to even and near-halfway points to the nearer double', () => {
    fc.assert(
      fc.property(doubles.filter((x) => x > 0 && x < Number.MAX_VALUE), (x) => {
        const text = midpoint(x);
        sameAsNumber(text);
        // Cut to 19 and 17 significant digits, and one unit above and below in the last kept digit.
        const [digits, exponent] = text.split('e') as [string, string];
        for (const keep of [17, 18, 19]) {
          const head = BigInt(digits.slice(0, keep));
          const e = Number(exponent) + digits.length - keep;
          for (const d of [-1n, 0n, 1n]) sameAsNumber(`${head + d}e${e}`);
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('reads the edges: zeros, subnormals, the largest double, overflow and leading or trailing zeros', () => {
    for (const text of [
      '0', '-0', '+0', '0.0', '-0.0e10', '00000', '-000.000e+00', '0e-400', '-0e400', '000123.4500', '0.000000000000000000000000001234567890123456789',
      '5e-324', '4.9406564584124654e-324', '2.4703282292062327e-324', '2.4703282292062328e-324', '2.2250738585072011e-308',
      '2.2250738585072014e-308', '2.225073858507201e-308', '1.7976931348623157e308', '1.7976931348623158e308', '1.7976931348623159e308',
      '1e308', '1e309', '-1e309', '1e-342', '1e-343', '9999999999999999999e-343', '123456789012345678e-360', '9007199254740993',
      '9007199254740992.5', '18446744073709551615', '1844674407370955161.5', '0.1', '0.12345678901234567', '1e23', '8.98846567431158e307',
      '1.00000000000000011102230246251565404236316680908203125', '1.000000000000000111', '1.0000000000000002220446', '.5', '5.', '-.5e-3',
      '4.35679719e-320', '7.3177701707893310e+15', '123456789e-22', '123456789e22', '1e22', '1e-22', '12345678901234567e22',
    ]) {
      sameAsNumber(text);
    }
  });
});
