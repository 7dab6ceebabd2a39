import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type MatchRule, parseGraphalyticsFloat, validateGraphalytics } from '../../../src/graph/validate.js';

const selftest = new URL('../../data/graphalytics/matching-selftest/', import.meta.url);
const read = (f: string): string => readFileSync(new URL(f, selftest), 'utf8');

describe('the Graphalytics validator on the upstream matching self-test', () => {
  const cases: [MatchRule, string, string[]][] = [
    ['exact', 'exact', ['1', '4']],
    ['equivalence', 'equivalence', []],
    ['epsilon', 'epsilon', ['1', '3', '4', '5', '6']],
  ];
  it.each(cases)('%s: actual1 passes, actual2 fails at the listed vertices', (rule, prefix, failing) => {
    const expected = read(`${prefix}_expected.csv`);
    expect(validateGraphalytics(expected, read(`${prefix}_actual1.csv`), rule)).toMatchObject({ ok: true, violationCount: 0 });
    const bad = validateGraphalytics(expected, read(`${prefix}_actual2.csv`), rule);
    expect(bad.ok).toBe(false);
    if (failing.length > 0) expect(bad.violations.map((v) => v.id)).toEqual(failing);
  });

  it('equivalence: a relabelled partition passes, a merged or split one fails either way round', () => {
    const expected = '1 1\n2 1\n3 2\n4 3\n';
    expect(validateGraphalytics(expected, '1 9\n2 9\n3 7\n4 8\n', 'equivalence').ok).toBe(true);
    expect(validateGraphalytics(expected, '1 9\n2 9\n3 9\n4 8\n', 'equivalence').ok).toBe(false);
    expect(validateGraphalytics(expected, '1 9\n2 5\n3 7\n4 8\n', 'equivalence').ok).toBe(false);
  });

  it('counts and id sets: missing, extra and repeated vertices fail', () => {
    const expected = '1 0\n2 0\n';
    expect(validateGraphalytics(expected, '1 0\n', 'exact').problems).toHaveLength(2);
    expect(validateGraphalytics(expected, '1 0\n2 0\n3 0\n', 'exact').ok).toBe(false);
    expect(validateGraphalytics(expected, '1 0\n1 0\n', 'exact').ok).toBe(false);
    // Ids compare as BIGINTs: a leading zero is the same vertex.
    expect(validateGraphalytics(expected, '01 0\n2 0\n', 'exact').ok).toBe(true);
  });

  it('epsilon: zero needs exact zero, infinity matches any spelling of infinity, NaN never passes', () => {
    expect(validateGraphalytics('1 0\n', '1 -0.0\n', 'epsilon').ok).toBe(true);
    expect(validateGraphalytics('1 0\n', '1 1e-300\n', 'epsilon').ok).toBe(false);
    for (const inf of ['infinity', 'Infinity', '+inf', 'INF']) expect(validateGraphalytics('1 infinity\n', `1 ${inf}\n`, 'epsilon').ok).toBe(true);
    expect(validateGraphalytics('1 nan\n', '1 nan\n', 'epsilon').ok).toBe(false);
    expect(validateGraphalytics('1 2\n', '1 2.0002\n', 'epsilon').ok).toBe(true);
    expect(validateGraphalytics('1 2\n', '1 2.00021\n', 'epsilon').ok).toBe(false);
    expect(parseGraphalyticsFloat('0x10')).toBeNaN();
  });

  it('exact: 64-bit integers compare exactly, beyond 2^53', () => {
    expect(validateGraphalytics('1 9223372036854775807\n', '1 9223372036854775807\n', 'exact').ok).toBe(true);
    expect(validateGraphalytics('1 9223372036854775807\n', '1 9223372036854776000\n', 'exact').ok).toBe(false);
  });
});
