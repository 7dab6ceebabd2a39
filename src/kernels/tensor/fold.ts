/**
 * User folds (`t.reduce(fn, initial)`): each chunk folds its elements left to right with the user's
 * function, then the partials fold in chunk order, starting from `initial` when there is one. With an
 * associative function this equals one left-to-right fold over the whole tensor. A result that is not a
 * number fails the fold (see `nonNumericResult`).
 */
import { type ArrayData, allocate } from '../../base/ndarray.js';
import { registerKernel } from '../registry.js';
import { compileUserFunction, nonNumericResult } from './userfn.js';

export interface FoldPartial {
  readonly count: number;
  readonly value: number;
}

registerKernel('tensor.fold_map', (inputs, p: { readonly fn: string }) => {
  const x = inputs[0] as ArrayData;
  const f = compileUserFunction(p.fn);
  const d = x.data;
  if (d.length === 0) return { count: 0, value: 0 } satisfies FoldPartial;
  let acc = d[0]!;
  for (let i = 1; i < d.length; i++) {
    acc = f(acc, d[i]!);
    if (typeof acc !== 'number') acc = nonNumericResult('reduce', p.fn, acc);
  }
  return { count: d.length, value: acc } satisfies FoldPartial;
});

registerKernel('tensor.fold_final', (inputs, p: { readonly fn: string; readonly initial?: number }) => {
  const f = compileUserFunction(p.fn);
  let has = p.initial !== undefined;
  let acc = p.initial ?? 0;
  for (const part of inputs as readonly FoldPartial[]) {
    if (part.count === 0) continue;
    acc = has ? f(acc, part.value) : part.value;
    if (typeof acc !== 'number') acc = nonNumericResult('reduce', p.fn, acc);
    has = true;
  }
  const out = allocate('float64', 1);
  out[0] = acc;
  return { dtype: 'float64', shape: [], data: out } satisfies ArrayData;
});
