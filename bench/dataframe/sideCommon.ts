/**
 * The protocol of one JavaScript side of bench/dataframe/h2o.ts (side_pandas.py speaks the same one): a
 * process started as `side <question> <csv>...` prints `ready` once its libraries are loaded, answers the
 * line `run` with one JSON line (questions.ts's SideAnswer, or `{ "error": ... }`), and ends on `quit`. The
 * timing runs from before the CSV read to the result held in memory; the check (row count and column sums)
 * is computed after it, untimed. Peak RSS is the process's VmHWM: one process per question and run, so it
 * is this question's peak (plus the runtime's own resident set, reported as baseRssMiB).
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { questionOf, type Question, type SideAnswer } from './questions.js';

/** Runs the question; resolves when the result is held in memory, to a function computing its check. */
export type Check = { rows: number; sums: Record<string, number> };
export type Answer = (q: Question, files: readonly string[]) => Promise<() => Check | Promise<Check>>;

function statusMiB(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? +(Number(m[1]) / 1024).toFixed(1) : NaN;
}

/** Sum of a column's non-null values (numbers, bigints or nulls). */
export function sumOf(values: Iterable<unknown>): number {
  let s = 0;
  for (const v of values) if (v !== null && v !== undefined) s += Number(v);
  return s;
}

export async function serveSide(answer: Answer): Promise<void> {
  const [id, ...files] = process.argv.slice(2);
  const q = questionOf(id ?? '');
  const baseRssMiB = statusMiB('VmRSS');
  console.log('ready');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === 'quit') break;
    try {
      const t0 = performance.now();
      const check = await answer(q, files);
      const seconds = (performance.now() - t0) / 1000;
      const peakRssMiB = statusMiB('VmHWM');
      const out: SideAnswer = { seconds, ...(await check()), baseRssMiB, peakRssMiB };
      console.log(JSON.stringify(out));
    } catch (e) {
      console.log(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
    }
  }
}
