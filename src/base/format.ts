/**
 * NumPy's repr for arrays, so fetched data prints as `np.array` would (Mars's tests compare the two):
 * `array([[1., 2.],\n       [3., 4.]])`, `array(5)`, `array([], dtype=float64)`. It follows NumPy 2's
 * arrayprint: floats in fixed notation (up to 8 digits, trailing zeros dropped, decimal points
 * aligned) or scientific when magnitudes span too far; rows wrapped at 75 characters; arrays over
 * 1000 elements summarised to 3 edge items per axis with their shape; the dtype named when it
 * cannot be inferred from the text (anything but float64, int64 and bool, and every empty array).
 */
import type { DType, TypedArray } from './dtypes.js';
import { shapeStr, stridesOf } from './shape.js';

const LINE_WIDTH = 75;
const THRESHOLD = 1000;
const EDGE = 3;
const PRECISION = 8;

interface Printable {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedArray;
}

/** Digits of |x| with at most PRECISION fractional digits, shortest first: [integer part, fraction]. */
function positional(x: number): [string, string] {
  let s = Math.abs(x).toString();
  const [, frac = ''] = s.split('.');
  if (frac.length > PRECISION || s.includes('e')) s = Math.abs(x).toFixed(PRECISION).replace(/0+$/, '');
  const [int = '0', f = ''] = s.split('.');
  return [`${x < 0 || Object.is(x, -0) ? '-' : ''}${int}`, f];
}

/** Mantissa and exponent of |x| in scientific notation, shortest first: [sign+digit, fraction, exponent]. */
function scientific(x: number, digits?: number): [string, string, number] {
  let s = Math.abs(x).toExponential(digits);
  if (digits === undefined && s.split('e')[0]!.length > PRECISION + 2) s = Math.abs(x).toExponential(PRECISION).replace(/0+e/, 'e');
  const [mant = '', exp = '0'] = s.split('e');
  const [int = '0', frac = ''] = mant.split('.');
  return [`${x < 0 || Object.is(x, -0) ? '-' : ''}${int}`, frac, Number(exp)];
}

/** The shortest decimal that reads back as the same float32 (NumPy prints float32 with its own digits). */
function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let p = 1; p < 17; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

/** NumPy's FloatingFormat (floatmode 'maxprec', sign '-'), sized on the values that are shown. */
function floatFormatter(shownValues: readonly number[], float32: boolean): (x: number) => string {
  const canon = float32 ? shortestFloat32 : (x: number): number => x;
  const values = shownValues.map(canon);
  const finite = values.filter(Number.isFinite);
  const nonZero = finite.map(Math.abs).filter((v) => v !== 0);
  const maxAbs = nonZero.reduce((m, v) => Math.max(m, v), 0);
  const minAbs = nonZero.reduce((m, v) => Math.min(m, v), Infinity);
  const sci = nonZero.length > 0 && (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1e3);
  let padLeft = 0;
  let padRight = 0;
  let body: (x: number) => string = () => '';
  if (finite.length > 0 && sci) {
    const parts = finite.map((x) => scientific(x));
    const precision = parts.reduce((m, [, f]) => Math.max(m, f.length), 0);
    const expDigits = parts.reduce((m, [, , e]) => Math.max(m, String(Math.abs(e)).length), 2);
    padLeft = parts.reduce((m, [i]) => Math.max(m, i.length), 0);
    padRight = expDigits + 2 + precision;
    body = (x) => {
      const [int, frac, exp] = scientific(x, precision);
      const e = `e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(expDigits, '0')}`;
      return `${int.padStart(padLeft)}.${frac}${e}`;
    };
  } else if (finite.length > 0) {
    const parts = finite.map(positional);
    padLeft = parts.reduce((m, [i]) => Math.max(m, i.length), 0);
    padRight = parts.reduce((m, [, f]) => Math.max(m, f.length), 0);
    body = (x) => {
      const [int, frac] = positional(x);
      return `${int.padStart(padLeft)}.${frac.padEnd(padRight)}`;
    };
  }
  if (finite.length !== values.length) {
    const negInf = values.some((v) => v === -Infinity) ? 1 : 0;
    padLeft = Math.max(padLeft, 3 - (padRight + 1), 3 + negInf - (padRight + 1));
  }
  const width = padLeft + padRight + 1;
  return (x) => {
    if (Number.isFinite(x)) return body(canon(x));
    const special = Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
    return special.padStart(width);
  };
}

function formatter(dtype: DType, values: readonly number[], scalar: boolean): (x: number) => string {
  if (dtype === 'bool') return (x) => (x ? (scalar ? 'True' : ' True') : 'False');
  if (dtype === 'float32' || dtype === 'float64') return floatFormatter(values, dtype === 'float32');
  const width = values.reduce((w, v) => Math.max(w, String(v).length), 0);
  return (x) => String(x).padStart(width);
}

/** NumPy's `_extendLine`: wrap before a word that would pass the line width (unless the line is empty). */
function extendLine(s: string, line: string, word: string, width: number, nextPrefix: string): [string, string] {
  if (line.length + word.length > width && line.length > nextPrefix.length) {
    return [`${s}${line.trimEnd()}\n`, nextPrefix + word];
  }
  return [s, line + word];
}

/** The element offsets of one axis that are printed (all, or the edges around a `...`). */
function shownIndices(n: number, summarize: boolean): number[] {
  if (!summarize || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
  return [0, 1, 2, -1, n - 3, n - 2, n - 1];
}

export function formatArray(a: Printable, prefix = 'array('): string {
  const { shape, data, dtype } = a;
  const size = data.length;
  const summarize = size > THRESHOLD;
  const strides = stridesOf(shape);
  let text: string;
  if (size === 0) text = '[]';
  else {
    const shown: number[] = [];
    const collect = (axis: number, off: number): void => {
      if (axis === shape.length) {
        shown.push(data[off]!);
        return;
      }
      for (const i of shownIndices(shape[axis]!, summarize)) if (i >= 0) collect(axis + 1, off + i * strides[axis]!);
    };
    collect(0, 0);
    const fmt = formatter(dtype, shown, shape.length === 0);
    // NumPy's _formatArray: rows of the last axis wrap at the line width, other axes stack rows.
    const render = (axis: number, off: number, hanging: string, width: number): string => {
      if (axis === shape.length) return fmt(data[off]!);
      const axesLeft = shape.length - axis;
      const items = shownIndices(shape[axis]!, summarize);
      const child = (i: number): string => render(axis + 1, off + i * strides[axis]!, `${hanging} `, width - 1);
      let s = '';
      if (axesLeft === 1) {
        let line = hanging;
        items.forEach((i, k) => {
          [s, line] = extendLine(s, line, i < 0 ? '...' : child(i), width - 1, hanging);
          if (k < items.length - 1) line += ', ';
        });
        s += line;
      } else {
        const sep = `,${'\n'.repeat(axesLeft - 1)}`;
        s = items.map((i) => hanging + (i < 0 ? '...' : child(i))).join(sep);
      }
      return `[${s.slice(hanging.length)}]`;
    };
    text = render(0, 0, ' '.repeat(prefix.length + 1), LINE_WIDTH - 1);
  }
  const extras: string[] = [];
  if ((size === 0 && !(shape.length === 1 && shape[0] === 0)) || summarize) extras.push(`shape=${shapeStr(shape)}`);
  if (size === 0 || !(dtype === 'float64' || dtype === 'int64' || dtype === 'bool')) extras.push(`dtype=${dtype}`);
  if (extras.length === 0) return `${prefix}${text})`;
  let out = `${prefix}${text},`;
  for (const extra of extras) {
    const lastLine = out.length - (out.lastIndexOf('\n') + 1);
    out += `${lastLine + extra.length + 1 > LINE_WIDTH ? `\n${' '.repeat(prefix.length)}` : ' '}${extra},`;
  }
  return `${out.slice(0, -1)})`;
}
