/**
 * The questions of the dataframe benchmark (issue 11 §4): db-benchmark's groupby q1–q5 and join q1–q3 (the
 * definitions of h2oai/db-benchmark pandas/groupby-pandas.py, pandas/join-pandas.py and the SQL of
 * duckdb/*-duckdb.R), plus reading the groupby CSV alone. Every side answers every question from the CSV
 * files (the read is inside the timing) and reports a check: the result's row count and the sums of the
 * columns db-benchmark's `chk` sums, so the sides can be compared for exactness.
 */
import type { H2oFiles } from './h2oData.js';

export type QuestionId = 'read' | 'gq1' | 'gq2' | 'gq3' | 'gq4' | 'gq5' | 'jq1' | 'jq2' | 'jq3';

export interface Question {
  readonly id: QuestionId;
  /** db-benchmark's name of the question. */
  readonly title: string;
  /** The CSV files the side reads, in the order the side receives them. */
  readonly files: (f: H2oFiles) => readonly string[];
  /** Result columns whose sums form the check (with the row count). */
  readonly check: readonly string[];
}

const g = (f: H2oFiles): readonly string[] => [f.groupby];

export const QUESTIONS: readonly Question[] = [
  { id: 'read', title: 'read the groupby CSV', files: g, check: ['v1', 'v2', 'v3'] },
  { id: 'gq1', title: 'sum v1 by id1', files: g, check: ['v1'] },
  { id: 'gq2', title: 'sum v1 by id1:id2', files: g, check: ['v1'] },
  { id: 'gq3', title: 'sum v1 mean v3 by id3', files: g, check: ['v1', 'v3'] },
  { id: 'gq4', title: 'mean v1:v3 by id4', files: g, check: ['v1', 'v2', 'v3'] },
  { id: 'gq5', title: 'sum v1:v3 by id6', files: g, check: ['v1', 'v2', 'v3'] },
  { id: 'jq1', title: 'small inner on int', files: (f) => [f.joinX, f.joinSmall], check: ['v1', 'v2'] },
  { id: 'jq2', title: 'medium inner on int', files: (f) => [f.joinX, f.joinMedium], check: ['v1', 'v2'] },
  { id: 'jq3', title: 'medium outer on int', files: (f) => [f.joinX, f.joinMedium], check: ['v1', 'v2'] },
];

export function questionOf(id: string): Question {
  const q = QUESTIONS.find((x) => x.id === id);
  if (!q) throw new Error(`unknown question ${id}: one of ${QUESTIONS.map((x) => x.id).join(', ')}`);
  return q;
}

/** What a side answers for one run of one question. */
export interface SideAnswer {
  /** From before the CSV read to the result held in memory. */
  readonly seconds: number;
  readonly rows: number;
  /** Sums of the question's check columns (nulls skipped). */
  readonly sums: Record<string, number>;
  /** The process's resident set when it was ready (runtime and libraries loaded), and its peak (VmHWM). */
  readonly baseRssMiB: number;
  readonly peakRssMiB: number;
}
