import { describe, expect, it } from 'vitest';
import { RunTally } from '../../../src/service/server/runTally.js';

describe('RunTally', () => {
  it('counts chunks across runs and a run begun over an unended one as failed', () => {
    const t = new RunTally();
    expect(t.begin(4)).toBeUndefined();
    t.finishedOne();
    t.finishedOne();
    expect(t.snapshot()).toEqual({ runs: 1, chunksTotal: 4, chunksDone: 2, running: true, failedRuns: 0 });
    expect(t.begin(3, 5)).toEqual({ run: 1, done: 2, total: 4, unfinished: true });
    t.progress(3);
    t.end(true);
    expect(t.snapshot()).toEqual({ runs: 5, chunksTotal: 7, chunksDone: 5, running: false, failedRuns: 1 });
    t.begin(2);
    t.end(false);
    t.end(false); // a second end of one run counts once
    expect(t.closeCurrent()).toEqual({ run: 6, done: 0, total: 2, unfinished: false });
    expect(t.snapshot()).toEqual({ runs: 6, chunksTotal: 9, chunksDone: 5, running: false, failedRuns: 2 });
  });

  it('an open run of a source that is gone is failed, not running', () => {
    const t = new RunTally();
    t.begin(3);
    t.finishedOne();
    expect(t.snapshot(true)).toEqual({ runs: 1, chunksTotal: 3, chunksDone: 1, running: false, failedRuns: 1 });
  });
});
