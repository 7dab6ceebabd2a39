/**
 * Headless runs that go right, or fail as the module's own fault (issue 10 §4): a module builds and
 * runs a DAG in its own child process and its result, logs and lifecycle events come back; TypeScript
 * modules run; args and env (REPLICA_ID, REPLICA_COUNT) reach the module; a module that throws, is
 * missing, has no default export or returns something that cannot leave its process fails with its
 * code. Every run's child is gone once `done` settles.
 */
import { describe, expect, it } from 'vitest';
import { alive, failure, runFixture } from '../../support/headless.js';

const SLOW = 120_000;

describe('a headless module that succeeds', () => {
  it('builds and runs a DAG in its child; its exact result, output, progress and events come back', async () => {
    const r = runFixture('sum.mjs', { args: ['1000'] });
    const outcome = await r.outcome();
    expect(outcome).toEqual({ ok: true, result: { n: 1000, sum: 499_500, handedIsDefault: true } });
    const log = r.journal.text();
    expect(log).toContain('sum of arange(1000) = 499500\n');
    expect(log).toMatch(/^session \w+ has 1 worker\(s\)$/m);
    expect(log).toMatch(/^\[progress\] run \d+: (\d+)\/\1 chunks \(100%\)$/m);
    expect(r.journal.events.map((e) => e.type)).toEqual(['Started', 'ModuleLoaded', 'Completed']);
    expect(r.journal.events[2]!.message).toContain('499500');
    expect(r.running()).toBe(1);
  }, SLOW);

  it('runs a TypeScript module and returns a fetched array as its dtype, shape and data', async () => {
    const outcome = await runFixture('squares.ts', { args: ['6'] }).outcome();
    expect(outcome.ok).toBe(true);
    const result = (outcome as { result: { dtype: string; shape: number[]; data: ArrayLike<number> } }).result;
    expect(result.shape).toEqual([6]);
    expect(result.dtype).toBe('int64');
    // A typed array crossed the channel as a typed array (structured clone), not as JSON.
    expect(ArrayBuffer.isView(result.data)).toBe(true);
    expect([...Array.from(result.data)]).toEqual([0, 1, 4, 9, 16, 25]);
  }, SLOW);

  it('hands the module its args and env, and sets the env in its process; the child is gone after', async () => {
    const env = { GREETING: 'hello there', REPLICA_ID: '2', REPLICA_COUNT: '3' };
    const outcome = await runFixture('echo.js', { args: ['--alpha', 'two words'], env }).outcome();
    expect(outcome.ok).toBe(true);
    const result = (outcome as { result: { args: string[]; env: object; processEnv: object; pid: number } }).result;
    expect(result.args).toEqual(['--alpha', 'two words']);
    expect(result.env).toEqual(env);
    expect(result.processEnv).toEqual(env);
    expect(result.pid).not.toBe(process.pid);
    expect(alive(result.pid)).toBe(false);
  }, SLOW);
});

describe('a headless module that fails', () => {
  it('throws: ModuleFailed with its message, its stack in the log, a Failed event', async () => {
    const r = runFixture('throws.js');
    const error = failure(await r.outcome());
    expect(error.code).toBe('ModuleFailed');
    expect(error.message).toContain('RangeError: the module gave up: boom');
    expect(r.journal.text()).toMatch(/RangeError: the module gave up: boom\n\s+at .*throws\.js/);
    expect(r.journal.events.at(-1)).toMatchObject({ type: 'Failed', message: expect.stringContaining('ModuleFailed') });
  }, SLOW);

  it('throws later from a timer while its promise never settles: ModuleFailed, not a hang', async () => {
    const error = failure(await runFixture('strayThrow.js').outcome());
    expect(error).toEqual({ code: 'ModuleFailed', message: 'The module caused an uncaught exception: Error: thrown from a timer' });
  }, SLOW);

  it('does not exist: ModuleNotFound naming the path; the module never ran', async () => {
    const r = runFixture('missing.js');
    const error = failure(await r.outcome());
    expect(error.code).toBe('ModuleNotFound');
    expect(error.message).toContain('missing.js does not exist');
    expect(r.running()).toBe(0);
  }, SLOW);

  it('has no default export function, or is not a module file: BadModule saying what to write', async () => {
    const [noDefault, text] = await Promise.all([runFixture('noDefault.js').outcome(), runFixture('wrong.txt').outcome()]);
    expect(failure(noDefault).code).toBe('BadModule');
    expect(failure(noDefault).message).toContain('export default async (session, args, env) => result');
    expect(failure(text).code).toBe('BadModule');
    expect(failure(text).message).toContain(".js, .mjs, .ts or .mts file, not '.txt'");
  }, SLOW);

  it('returns something that cannot leave its process: ResultNotCloneable naming where it is', async () => {
    const error = failure(await runFixture('returnsFunction.js').outcome());
    expect(error.code).toBe('ResultNotCloneable');
    expect(error.message).toContain('result.callback is a function');
  }, SLOW);
});
