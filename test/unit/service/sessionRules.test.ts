/**
 * Skaha's create rules (reference/vineyard-skaha.md §B.2, §B.4 #1-#6) as the server applies them: each
 * broken rule is a ValidationError naming its field, the bounds themselves are accepted, and replicas
 * expand to name-1 … name-N with REPLICA_ID/REPLICA_COUNT in every env.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/service/server/httpErrors.js';
import { checkMemory, checkName, expandReplicas, parseCreateRequest, sizeText } from '../../../src/service/server/sessionRules.js';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).field;
  }
  return undefined;
}

const headless = { name: 'job', kind: 'headless', module: 'jobs/run.mjs' };

describe('session names', () => {
  it("accepts letters, digits and '-' up to 57 characters", () => {
    expect(checkName('Notebook-2')).toBe('Notebook-2');
    expect(checkName('a'.repeat(57))).toBe('a'.repeat(57));
  });

  it("refuses empty names, other characters and 58 characters with Skaha's words", () => {
    expect(() => checkName('')).toThrow('name must have a value.');
    expect(() => checkName(undefined)).toThrow('name must have a value.');
    for (const bad of ['a b', 'a_b', 'a.b', 'é', 'a/b']) expect(() => checkName(bad)).toThrow("name can only contain alpha-numeric chars and '-'");
    expect(() => checkName('a'.repeat(58))).toThrow('at most 57 characters');
    expect(fieldOf(() => checkName(7))).toBe('name');
  });

  it('counts the replica suffix against the cap', () => {
    expect(parseCreateRequest({ name: 'a'.repeat(55), kind: 'interactive', replicas: 9 }).replicas).toBe(9);
    expect(() => parseCreateRequest({ name: 'a'.repeat(55), kind: 'interactive', replicas: 10 })).toThrow(/shorten the name/);
  });
});

describe('create requests', () => {
  it('takes the bounds 1 and 256 workers, 1 and 512 replicas, and refuses 0, 257, 513', () => {
    for (const workers of [1, 256]) expect(parseCreateRequest({ name: 'a', kind: 'interactive', workers }).workers).toBe(workers);
    for (const replicas of [1, 512]) expect(parseCreateRequest({ name: 'a', kind: 'interactive', replicas }).replicas).toBe(replicas);
    for (const workers of [0, 257, 2.5, '4']) expect(fieldOf(() => parseCreateRequest({ name: 'a', kind: 'interactive', workers }))).toBe('workers');
    for (const replicas of [0, 513]) expect(fieldOf(() => parseCreateRequest({ name: 'a', kind: 'interactive', replicas }))).toBe('replicas');
  });

  it('refuses an unknown kind and a body that is not an object', () => {
    expect(fieldOf(() => parseCreateRequest({ name: 'a', kind: 'notebook' }))).toBe('kind');
    expect(fieldOf(() => parseCreateRequest([]))).toBe('body');
    expect(fieldOf(() => parseCreateRequest(null))).toBe('body');
  });

  it('reads memory in the size syntax, from 1 byte to 512Gi', () => {
    expect(checkMemory('2Gi')).toEqual({ bytes: 2 * 1024 ** 3, text: '2Gi' });
    expect(checkMemory('512M')!.bytes).toBe(512e6);
    expect(checkMemory('512Gi')!.bytes).toBe(512 * 1024 ** 3);
    for (const bad of ['lots', '513Gi', '0', '-1Gi', true]) expect(fieldOf(() => checkMemory(bad))).toBe('memory');
  });

  it('allows module, args and env only for headless sessions (Skaha B.4 #1), and mode only for interactive ones', () => {
    for (const extra of [{ module: 'x.js' }, { args: ['1'] }, { env: { A: '1' } }]) {
      const field = Object.keys(extra)[0];
      expect(() => parseCreateRequest({ name: 'a', kind: 'interactive', ...extra })).toThrow('module, args, env only allowed for headless sessions.');
      expect(fieldOf(() => parseCreateRequest({ name: 'a', kind: 'interactive', ...extra }))).toBe(field);
    }
    expect(parseCreateRequest({ name: 'a', kind: 'interactive', mode: 'lazy' }).mode).toBe('lazy');
    expect(fieldOf(() => parseCreateRequest({ ...headless, mode: 'lazy' }))).toBe('mode');
    expect(fieldOf(() => parseCreateRequest({ name: 'a', kind: 'interactive', mode: 'busy' }))).toBe('mode');
  });

  it('needs a .js/.mjs/.ts module for headless sessions and checks args and env', () => {
    const ok = parseCreateRequest({ ...headless, args: ['--n', '3'], env: { A_1: 'x' } });
    expect(ok).toMatchObject({ kind: 'headless', module: 'jobs/run.mjs', args: ['--n', '3'], env: { A_1: 'x' } });
    expect(fieldOf(() => parseCreateRequest({ name: 'a', kind: 'headless' }))).toBe('module');
    expect(fieldOf(() => parseCreateRequest({ ...headless, module: 'run.py' }))).toBe('module');
    expect(fieldOf(() => parseCreateRequest({ ...headless, args: [1] }))).toBe('args');
    expect(fieldOf(() => parseCreateRequest({ ...headless, env: { '1A': 'x' } }))).toBe('env.1A');
    expect(fieldOf(() => parseCreateRequest({ ...headless, env: { A: 1 } }))).toBe('env.A');
    expect(fieldOf(() => parseCreateRequest({ ...headless, env: { REPLICA_ID: '3' } }))).toBe('env.REPLICA_ID');
  });
});

describe('replica expansion (Skaha B.4 #6)', () => {
  it('names replicas name-1 … name-N with REPLICA_ID and REPLICA_COUNT added to the env', () => {
    expect(expandReplicas({ name: 't', replicas: 3, env: { A: '1' } })).toEqual([
      { name: 't-1', replica: { id: 1, count: 3 }, env: { A: '1', REPLICA_ID: '1', REPLICA_COUNT: '3' } },
      { name: 't-2', replica: { id: 2, count: 3 }, env: { A: '1', REPLICA_ID: '2', REPLICA_COUNT: '3' } },
      { name: 't-3', replica: { id: 3, count: 3 }, env: { A: '1', REPLICA_ID: '3', REPLICA_COUNT: '3' } },
    ]);
  });

  it('keeps the name of a single replica and still sets REPLICA_ID=1, REPLICA_COUNT=1', () => {
    expect(expandReplicas({ name: 't', replicas: 1, env: {} })).toEqual([{ name: 't', replica: { id: 1, count: 1 }, env: { REPLICA_ID: '1', REPLICA_COUNT: '1' } }]);
  });
});

describe('sizeText', () => {
  it('writes bytes in the largest binary unit that divides them exactly', () => {
    expect(sizeText(2 * 1024 ** 3)).toBe('2Gi');
    expect(sizeText(1536 * 1024 ** 2)).toBe('1536Mi');
    expect(sizeText(1000)).toBe('1000');
    expect(sizeText(1024 ** 4)).toBe('1Ti');
  });
});
