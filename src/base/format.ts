/**
 * NumPy-style text for arrays: `array([[1., 2.], [3., 4.]])`, `array(5)`, with NumPy's summarisation
 * (edge items and `...`) for arrays over 1000 elements, so a repr never floods a terminal.
 */
import type { DType, TypedArray } from './dtypes.js';
import { stridesOf } from './shape.js';

const THRESHOLD = 1000;
const EDGE = 3;

interface Printable {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedArray;
}

/**
 * NumPy's default float style: fixed notation with at most 8 fractional digits, trailing zeros dropped
 * and the decimal points aligned (`[0.5 , 0.25]`), or scientific when magnitudes span too far.
 */
function formatter(dtype: DType, values: number[]): (x: number) => string {
  if (dtype === 'bool') return (x) => (x ? ' True' : 'False');
  if (dtype !== 'float32' && dtype !== 'float64') return (x) => String(x);
  const finite = values.filter((v) => Number.isFinite(v));
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const minAbs = finite.reduce((m, v) => (v !== 0 ? Math.min(m, Math.abs(v)) : m), Infinity);
  const sci = maxAbs >= 1e16 || (minAbs < 1e-4 && minAbs !== Infinity) || (minAbs !== Infinity && maxAbs / minAbs > 1e3 && maxAbs >= 1e8);
  const special = (x: number): string | undefined =>
    Number.isNaN(x) ? 'nan' : !Number.isFinite(x) ? (x > 0 ? 'inf' : '-inf') : undefined;
  if (sci) {
    return (x) => special(x) ?? x.toExponential(8).replace(/\.?0+e/, 'e').replace(/e([+-])(\d)$/, 'e$10$2');
  }
  const fixed = (x: number): string => x.toFixed(8).replace(/0+$/, '');
  const frac = finite.reduce((m, v) => Math.max(m, fixed(v).split('.')[1]!.length), 0);
  return (x) => {
    const sp = special(x);
    if (sp !== undefined) return sp;
    const [int, f = ''] = fixed(x).split('.');
    return `${int}.${f.padEnd(frac, ' ')}`;
  };
}

export function formatArray(a: Printable, prefix = 'array('): string {
  const { shape, data, dtype } = a;
  if (shape.length === 0) return `${prefix}${formatter(dtype, [data[0]!])(data[0]!).trim()})`;
  const summarize = data.length > THRESHOLD;
  const strides = stridesOf(shape);
  const shown: number[] = [];
  const collect = (axis: number, off: number): void => {
    if (axis === shape.length) {
      shown.push(data[off]!);
      return;
    }
    const n = shape[axis]!;
    for (const i of indices(n, summarize)) if (i >= 0) collect(axis + 1, off + i * strides[axis]!);
  };
  collect(0, 0);
  const fmt = formatter(dtype, shown);
  const width = shown.reduce((w, v) => Math.max(w, fmt(v).length), 0);
  const pad = prefix.length;
  const render = (axis: number, off: number): string => {
    const n = shape[axis]!;
    const parts: string[] = [];
    for (const i of indices(n, summarize)) {
      if (i < 0) parts.push('...');
      else if (axis === shape.length - 1) parts.push(fmt(data[off + i * strides[axis]!]!).padStart(width));
      else parts.push(render(axis + 1, off + i * strides[axis]!));
    }
    if (axis === shape.length - 1) return `[${parts.join(', ')}]`;
    const sep = `,${'\n'.repeat(shape.length - 1 - axis)}${' '.repeat(pad + axis + 1)}`;
    return `[${parts.join(sep)}]`;
  };
  const suffix = dtype === 'float64' || dtype === 'int64' || dtype === 'bool' ? '' : `, dtype=${dtype}`;
  const empty = data.length === 0 ? `[], shape=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})` : '';
  return `${prefix}${empty || render(0, 0)}${suffix})`;
}

function indices(n: number, summarize: boolean): number[] {
  if (!summarize || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
  return [0, 1, 2, -1, n - 3, n - 2, n - 1];
}
