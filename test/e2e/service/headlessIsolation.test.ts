/**
 * Isolation of headless runs (issue 10 §5): a module that ends its process, outgrows its memory (on
 * the heap or in typed arrays outside it) or is stopped fails its own run with its code — the test
 * process and the other runs notice nothing — and no process is left behind: not the child, not what
 * the module started.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeadlessHost } from '../../../src/service/headless/host.js';
import { alive, failure, gone, runFixture } from '../../support/headless.js';

const SLOW = 120_000;

const strays: unknown[] = [];
const onStray = (e: unknown): void => void strays.push(e);
beforeAll(() => process.on('unhandledRejection', onStray));
afterAll(() => {
  process.off('unhandledRejection', onStray);
  expect(strays).toEqual([]);
});

describe('a module that ends or outgrows its process', () => {
  it('calls process.exit(3): ModuleExited with the code; its output up to then is in the log', async () => {
    const r = runFixture('exit.js');
    const error = failure(await r.outcome());
    expect(error.code).toBe('ModuleExited');
    expect(error.message).toContain('exit code 3');
    expect(r.journal.text()).toContain('about to exit\n');
    expect(r.running()).toBe(1);
  }, SLOW);

  it('allocates objects without end under 256Mi: OutOfMemory from the heap limit', async () => {
    const r = runFixture('heapHog.js', { memory: '256Mi' });
    const error = failure(await r.outcome());
    expect(error.code).toBe('OutOfMemory');
    expect(error.message).toContain('JavaScript heap reached the session\'s 256.0 MiB');
    // V8's own report is kept in the log for whoever reads it.
    expect(r.journal.text()).toMatch(/heap out of memory|Reached heap limit/);
  }, SLOW);

  it('allocates typed arrays without end (outside the heap): OutOfMemory from the resident-size watch', async () => {
    const host = createHeadlessHost({ residentAllowance: 256 * 2 ** 20 });
    const error = failure(await runFixture('bufferHog.js', { memory: '128Mi', host }).outcome());
    expect(error.code).toBe('OutOfMemory');
    expect(error.message).toMatch(/held [\d.]+ \w+ resident, over the 512\.0 MiB allowed for a session of 128\.0 MiB/);
  }, SLOW);
});

describe('stopping a run', () => {
  it('during a long run: Stopped, and the child is gone', async () => {
    const r = runFixture('forever.js');
    const pid = Number((await r.line(/^pid (\d+)$/))[1]);
    await r.line(/^tick 1$/);
    await r.run.stop();
    expect(failure(await r.outcome())).toEqual({ code: 'Stopped', message: 'The run was stopped before the module returned.' });
    expect(alive(pid)).toBe(false);
    expect(r.journal.events.map((e) => e.type)).toEqual(['Started', 'ModuleLoaded', 'Stopping', 'Failed']);
  }, SLOW);

  it('of a module that ignores SIGTERM: SIGKILL after the grace, still Stopped', async () => {
    const r = runFixture('forever.js', { args: ['ignore-sigterm'], host: createHeadlessHost({ graceMs: 2000 }) });
    const pid = Number((await r.line(/^pid (\d+)$/))[1]);
    const stopped = r.run.stop();
    await r.line(/^SIGTERM ignored$/);
    await stopped;
    expect(failure(await r.outcome()).code).toBe('Stopped');
    expect(alive(pid)).toBe(false);
  }, SLOW);

  it('ends the processes the module started too, and so does finishing', async () => {
    const stoppedRun = runFixture('spawnsChild.js');
    const grandchild = Number((await stoppedRun.line(/^grandchild (\d+)$/))[1]);
    await stoppedRun.run.stop();
    expect(failure(await stoppedRun.outcome()).code).toBe('Stopped');
    await gone(grandchild);

    const finished = await runFixture('spawnsChild.js', { args: ['return'] }).outcome();
    expect(finished.ok).toBe(true);
    await gone((finished as { result: { grandchild: number } }).result.grandchild);
  }, SLOW);

  it('stop after the module returned keeps its result', async () => {
    const r = runFixture('echo.js');
    const outcome = await r.outcome();
    await r.run.stop();
    expect(outcome.ok).toBe(true);
    expect(await r.run.done).toBe(outcome);
  }, SLOW);
});

describe('runs at once', () => {
  it('do not disturb each other: one exits, one runs out of memory, the others return exact results', async () => {
    const [a, b, exited, hog] = await Promise.all([
      runFixture('sum.mjs', { args: ['1000'] }).outcome(),
      runFixture('sum.mjs', { args: ['2500'] }).outcome(),
      runFixture('exit.js').outcome(),
      runFixture('heapHog.js', { memory: '128Mi' }).outcome(),
    ]);
    expect(a).toEqual({ ok: true, result: { n: 1000, sum: 499_500, handedIsDefault: true } });
    expect(b).toEqual({ ok: true, result: { n: 2500, sum: 3_123_750, handedIsDefault: true } });
    expect(failure(exited).code).toBe('ModuleExited');
    expect(failure(hog).code).toBe('OutOfMemory');
  }, SLOW);
});

describe('a module that speaks to the host\'s hooks directly', () => {
  it('gets only the hooks\' own calls with the arguments they take answered; nothing in the host process changes', async () => {
    const r = runFixture('hooksAbuse.js');
    const outcome = await r.outcome();
    expect(outcome).toEqual({ ok: true, result: ['probe'] });
    expect(({} as Record<string, unknown>)['pwnedByModule']).toBeUndefined();
    expect((() => {}) as unknown as Record<string, unknown>).not.toHaveProperty('pwnedByModule');
    expect(r.journal.text()).toContain('probe line');
    expect(r.journal.text()).not.toContain('via call');
  }, SLOW);
});
