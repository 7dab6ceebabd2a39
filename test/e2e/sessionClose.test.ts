/**
 * Closing sessions with many workers, from outside: a child process that creates and closes 64-worker
 * sessions (idle, and right after a run, while pool threads are still starting) must exit 0 every time.
 * Terminating a thread that is still loading its module used to abort the process with a V8 fatal
 * error (3 times in 13).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../support/closeSessions.ts', import.meta.url));

describe('closing big sessions', () => {
  it.each([1, 2])('a process creating and closing them exits 0 (run %i)', (run) => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, '10', '2'], { encoding: 'utf8', timeout: 120_000 });
    expect({ run, status: child.status, signal: child.signal }).toEqual({ run, status: 0, signal: null });
    expect(child.stderr).not.toMatch(/FATAL|Check failed|Unhandled|MaxListenersExceeded/i);
    expect(child.stdout.trim()).toBe('closed');
  }, 130_000);
});
