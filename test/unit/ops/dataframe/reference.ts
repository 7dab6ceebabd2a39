/**
 * Plain reference implementations of the hash ops over rows of JavaScript values — a Map-based
 * group-by, a nested-loop join, a counting value_counts and a first-seen drop-duplicates — written for
 * obviousness, with pandas' semantics (DF-CONTRACT.md), to check the kernels and tilings against.
 */
import { expect } from 'vitest';
import type { FrameField } from '../../../../src/base/frame.js';
import type { AggFn } from '../../../../src/ops/dataframe/groupby.js';
import { type Cell, compareCells, compareRows, keyOf, type Row } from '../../kernels/dataframe/frames.js';

const num = (c: Cell): number => (typeof c === 'boolean' ? Number(c) : (c as number));

function aggregate(fn: AggFn, cells: readonly Cell[]): Cell {
  const vals = cells.filter((c) => c !== null);
  switch (fn) {
    case 'sum': return vals.reduce<number>((s, c) => s + num(c), 0);
    case 'count': return vals.length;
    case 'nunique': return new Set(vals).size;
    case 'first': return vals[0] ?? null;
    case 'mean': return vals.length === 0 ? null : vals.reduce<number>((s, c) => s + num(c), 0) / vals.length;
    case 'std': {
      if (vals.length < 2) return null;
      const m = vals.reduce<number>((s, c) => s + num(c), 0) / vals.length;
      return Math.sqrt(vals.reduce<number>((s, c) => s + (num(c) - m) ** 2, 0) / (vals.length - 1));
    }
    case 'min': case 'max': {
      let best: Cell = null;
      for (const v of vals) {
        const r = best === null ? -1 : compareCells(v, best);
        if (best === null || (fn === 'min' ? r < 0 : r > 0)) best = v;
      }
      return best;
    }
  }
}

export function refGroupby(fields: readonly FrameField[], rows: readonly Row[], keys: readonly string[], spec: Record<string, AggFn>): Row[] {
  const at = (n: string): number => fields.findIndex((f) => f.name === n);
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = keyOf(keys.map((n) => r[at(n)]!));
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out = [...groups.values()].map((g) => [
    ...keys.map((n) => g[0]![at(n)]!),
    ...Object.entries(spec).map(([col, fn]) => aggregate(fn, g.map((r) => r[at(col)]!))),
  ]);
  return out.sort((a, b) => compareRows(a.slice(0, keys.length), b.slice(0, keys.length)));
}

export function refMerge(
  lf: readonly FrameField[], lrows: readonly Row[], rf: readonly FrameField[], rrows: readonly Row[], on: readonly string[], how: string,
): Row[] {
  const li = on.map((n) => lf.findIndex((f) => f.name === n));
  const ri = on.map((n) => rf.findIndex((f) => f.name === n));
  const lo = lf.map((_, j) => j).filter((j) => !li.includes(j));
  const ro = rf.map((_, j) => j).filter((j) => !ri.includes(j));
  const eq = (a: Cell, b: Cell): boolean =>
    a !== null && b !== null && (typeof a === 'string' || typeof b === 'string' ? a === b : num(a) === num(b));
  const matches = (l: Row, r: Row): boolean => li.every((j, k) => eq(l[j]!, r[ri[k]!]!));
  const out: Row[] = [];
  const rightUsed = new Set<number>();
  for (const l of lrows) {
    let any = false;
    rrows.forEach((r, k) => {
      if (!matches(l, r)) return;
      any = true;
      rightUsed.add(k);
      out.push([...li.map((j) => l[j]!), ...lo.map((j) => l[j]!), ...ro.map((j) => r[j]!)]);
    });
    if (!any && (how === 'left' || how === 'outer')) out.push([...li.map((j) => l[j]!), ...lo.map((j) => l[j]!), ...ro.map(() => null)]);
  }
  if (how === 'right' || how === 'outer') {
    rrows.forEach((r, k) => {
      if (!rightUsed.has(k)) out.push([...ri.map((j) => r[j]!), ...lo.map(() => null), ...ro.map((j) => r[j]!)]);
    });
  }
  return out;
}

export function refValueCounts(rows: readonly Row[], col: number): Row[] {
  const counts = new Map<string, [Cell, number]>();
  for (const r of rows) {
    const v = r[col]!;
    if (v === null) continue;
    const k = keyOf([v]);
    const e = counts.get(k);
    if (e) e[1]++;
    else counts.set(k, [v, 1]);
  }
  return [...counts.values()].sort((a, b) => b[1] - a[1] || compareCells(a[0], b[0])).map(([v, n]) => [v, n]);
}

export function refDropDuplicates(rows: readonly Row[], cols: readonly number[]): Row[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = keyOf(cols.map((j) => r[j]!));
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Rows equal cell by cell, numbers to a relative 1e-9 (sums in another order differ in the last bits). */
export function expectRowsClose(actual: readonly Row[], expected: readonly Row[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    row.forEach((c, j) => {
      const e = expected[i]![j]!;
      if (typeof c === 'number' && typeof e === 'number') {
        expect(Math.abs(c - e)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(e)));
      } else {
        expect([i, j, c]).toEqual([i, j, e]);
      }
    });
  });
}

/** Rows as a sorted list of their JSON (for results whose row order is unspecified). */
export const asBag = (rows: readonly Row[]): string[] => rows.map((r) => keyOf(r)).sort();
