/**
 * Which sessions a list or bulk delete means (Skaha §B.2 FetchRequest, §B.4 #2, #9, #10): kind and
 * status match in any case, unknown values are refused naming the parameter, prefixes are
 * case-sensitive, and a bulk delete without a selector is refused with Skaha's text.
 */
import { describe, expect, it } from 'vitest';
import { HttpError, ValidationError } from '../../../src/service/server/httpErrors.js';
import { matchesFilter, parseDeleteSelector, parseFilter, parseView } from '../../../src/service/server/sessionFilters.js';
import { canMove, isActive } from '../../../src/service/server/statuses.js';
import { record } from '../../support/sessionRecords.js';

describe('session filters', () => {
  it('reads kind and status in any case', () => {
    expect(parseFilter({ kind: 'HEADLESS', status: 'running' })).toEqual({ kind: 'headless', status: 'Running' });
    expect(parseFilter({ kind: 'Interactive', status: 'tErMiNaTiNg' })).toEqual({ kind: 'interactive', status: 'Terminating' });
  });

  it("takes old Skaha clients' Succeeded as Completed", () => {
    expect(parseFilter({ status: 'Succeeded' })).toEqual({ status: 'Completed' });
  });

  it('refuses unknown values, naming the parameter and the allowed values', () => {
    for (const [query, field] of [[{ kind: 'notebook' }, 'kind'], [{ status: 'Error' }, 'status'], [{ status: 'invalid' }, 'status']] as const) {
      let caught: unknown;
      try {
        parseFilter(query);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      expect(caught).toMatchObject({ field, status: 400 });
    }
    expect(() => parseFilter({ status: 'Bogus' })).toThrow('status must be one of Pending, Running, Completed, Failed, Terminating (any case)');
  });

  it('treats empty values as absent', () => {
    expect(parseFilter({ kind: '', status: '', prefix: '' })).toEqual({});
  });

  it('matches kind, status and a case-sensitive name prefix together', () => {
    const a = record({ name: 'test-1', kind: 'headless', status: 'Completed' });
    expect(matchesFilter(a, { prefix: 'test' })).toBe(true);
    expect(matchesFilter(a, { prefix: 'Test' })).toBe(false);
    expect(matchesFilter(a, { prefix: 'test', kind: 'headless', status: 'Completed' })).toBe(true);
    expect(matchesFilter(a, { prefix: 'test', kind: 'interactive' })).toBe(false);
    expect(matchesFilter(a, { status: 'Running' })).toBe(false);
    expect(matchesFilter(a, {})).toBe(true);
  });

  it("refuses a bulk delete without any selector: 'Cannot kill all sessions.'", () => {
    for (const query of [{}, { prefix: '', kind: '', status: '' }]) {
      let caught: unknown;
      try {
        parseDeleteSelector(query);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(HttpError);
      expect(caught).toMatchObject({ status: 400, code: 'KillAllRefused', message: 'Cannot kill all sessions.' });
    }
    expect(parseDeleteSelector({ prefix: 'x' })).toEqual({ prefix: 'x' });
    expect(parseDeleteSelector({ status: 'failed' })).toEqual({ status: 'Failed' });
  });

  it('takes match as a regex searched in the name (canfar re.search), refused with prefix or when it cannot run in linear time', () => {
    const selector = parseDeleteSelector({ match: 'job-[0-9]+$' });
    expect(['job-1', 'my-job-12', 'job-x', 'job-1-b'].map((name) => matchesFilter(record({ name }), selector))).toEqual([true, true, false, false]);
    expect(matchesFilter(record({ name: 'JOB-1' }), selector)).toBe(false);
    for (const query of [{ match: '(a)\\1' }, { match: '(?=x)' }, { match: '[' }, { match: 'a', prefix: 'a' }]) {
      expect(() => parseDeleteSelector(query)).toThrow(expect.objectContaining({ status: 400, field: 'match' }));
    }
  });

  it('reads view=all and view=stats in any case and refuses other views, naming view', () => {
    expect(parseView('ALL')).toBe('all');
    expect(parseView('Stats')).toBe('stats');
    expect(() => parseView('mine')).toThrow(expect.objectContaining({ status: 400, field: 'view' }));
  });
});

describe('the status machine', () => {
  it('goes Pending → Running → Completed | Failed, and any → Terminating, never back', () => {
    expect(canMove('Pending', 'Running')).toBe(true);
    expect(canMove('Running', 'Completed')).toBe(true);
    expect(canMove('Running', 'Failed')).toBe(true);
    expect(canMove('Pending', 'Failed')).toBe(true);
    for (const from of ['Pending', 'Running', 'Completed', 'Failed'] as const) expect(canMove(from, 'Terminating')).toBe(true);
    expect(canMove('Terminating', 'Running')).toBe(false);
    expect(canMove('Completed', 'Running')).toBe(false);
    expect(canMove('Failed', 'Completed')).toBe(false);
    expect(canMove('Pending', 'Completed')).toBe(false);
    expect(canMove('Running', 'Pending')).toBe(false);
  });

  it('counts Pending and Running as active', () => {
    expect(['Pending', 'Running', 'Completed', 'Failed', 'Terminating'].filter((s) => isActive(s as never))).toEqual(['Pending', 'Running']);
  });
});
