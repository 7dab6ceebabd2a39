/**
 * The Graphalytics output validator (README §5.1, the framework's current DuckDB rules): the actual
 * output must have as many lines as the expected one, the same vertex ids, and per vertex
 * - BFS, CDLP: exactly the same 64-bit integer;
 * - WCC: an equivalent labelling (vertices share an expected label iff they share an actual label);
 * - PR, LCC, SSSP: |r - s| <= 0.0001 * r for expected r and actual s, where both infinite passes, one
 *   infinite fails, r = 0 needs s = 0 exactly, and NaN never passes.
 * Ids compare as 64-bit integers when both texts are integers (as DuckDB's BIGINT does), else as text.
 * Infinity is read from `inf`/`infinity` in any case, with an optional sign. The report lists at most
 * 100 violating vertices, like upstream, plus the largest relative error of the epsilon rule so that
 * drift shows long before it fails.
 */
export type MatchRule = 'exact' | 'equivalence' | 'epsilon';

export type GraphalyticsAlgorithm = 'BFS' | 'CDLP' | 'WCC' | 'PR' | 'LCC' | 'SSSP';

export const MATCH_RULES: Readonly<Record<GraphalyticsAlgorithm, MatchRule>> = {
  BFS: 'exact',
  CDLP: 'exact',
  WCC: 'equivalence',
  PR: 'epsilon',
  LCC: 'epsilon',
  SSSP: 'epsilon',
};

export interface Violation {
  readonly id: string;
  readonly expected: string;
  readonly actual: string;
}

export interface ValidationReport {
  readonly ok: boolean;
  readonly rule: MatchRule;
  /** Count and id-set problems (missing, extra or repeated vertices). */
  readonly problems: readonly string[];
  readonly violations: readonly Violation[];
  readonly violationCount: number;
  /** Epsilon rule: the largest |r - s| / |r| over finite, non-zero expected values. */
  readonly maxRelativeError: number;
}

const MAX_LISTED = 100;
const EPSILON = 0.0001;

interface Line {
  readonly id: string;
  readonly value: string;
}

function parseLines(text: string): Line[] {
  const out: Line[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const [id = '', value = ''] = line.split(/\s+/, 2);
    out.push({ id: /^[+-]?\d+$/.test(id) ? BigInt(id).toString() : id, value });
  }
  return out;
}

export function parseGraphalyticsFloat(text: string): number {
  const t = text.trim();
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return NaN;
  return Number(t);
}

function parseLong(text: string): bigint | undefined {
  return /^[+-]?\d+$/.test(text.trim()) ? BigInt(text.trim()) : undefined;
}

export function validateGraphalytics(expectedText: string, actualText: string, rule: MatchRule): ValidationReport {
  const expected = parseLines(expectedText);
  const actual = parseLines(actualText);
  const problems: string[] = [];
  if (expected.length !== actual.length) {
    problems.push(`expected ${expected.length} vertices, the output has ${actual.length} lines`);
  }
  const actualById = new Map<string, string>();
  for (const { id, value } of actual) {
    if (actualById.has(id)) problems.push(`vertex ${id} appears more than once in the output`);
    actualById.set(id, value);
  }
  const expectedIds = new Set(expected.map((l) => l.id));
  for (const { id } of expected) if (!actualById.has(id)) problems.push(`vertex ${id} is missing from the output`);
  for (const id of actualById.keys()) {
    if (!expectedIds.has(id)) problems.push(`vertex ${id} is not a vertex of the graph`);
  }

  const violations: Violation[] = [];
  let violationCount = 0;
  let maxRelativeError = 0;
  const labelOfExpected = new Map<string, string>();
  const labelOfActual = new Map<string, string>();
  for (const { id, value } of expected) {
    const got = actualById.get(id);
    if (got === undefined) continue;
    let pass: boolean;
    if (rule === 'exact') {
      const r = parseLong(value);
      pass = r !== undefined && r === parseLong(got);
    } else if (rule === 'equivalence') {
      const e = parseLong(value)?.toString() ?? value;
      const a = parseLong(got)?.toString() ?? got;
      const mappedA = labelOfExpected.get(e);
      const mappedE = labelOfActual.get(a);
      pass = (mappedA === undefined || mappedA === a) && (mappedE === undefined || mappedE === e);
      if (pass) {
        labelOfExpected.set(e, a);
        labelOfActual.set(a, e);
      }
    } else {
      const r = parseGraphalyticsFloat(value);
      const s = parseGraphalyticsFloat(got);
      const rInf = r === Infinity || r === -Infinity;
      const sInf = s === Infinity || s === -Infinity;
      pass = rInf || sInf ? rInf && sInf : Math.abs(r - s) <= EPSILON * r;
      if (Number.isFinite(r) && Number.isFinite(s) && r !== 0) {
        maxRelativeError = Math.max(maxRelativeError, Math.abs(r - s) / Math.abs(r));
      }
    }
    if (!pass) {
      violationCount++;
      if (violations.length < MAX_LISTED) violations.push({ id, expected: value, actual: got });
    }
  }
  return {
    ok: problems.length === 0 && violationCount === 0,
    rule,
    problems,
    violations,
    violationCount,
    maxRelativeError,
  };
}
