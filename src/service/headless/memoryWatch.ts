/**
 * Watches a child process's resident memory from outside. The child's V8 heap is held by
 * --max-old-space-size and its store by the engine's memoryLimit, but typed arrays and Buffers live
 * outside the heap: a module allocating those without end would otherwise grow until the machine's
 * out-of-memory killer picks a victim, which may not be this child. Reading /proc works however busy
 * the child is (a synchronous loop inside it could never check itself). Where there is no /proc
 * (not Linux), the watch does nothing and the heap and store limits are the only ones.
 */
import { readFile } from 'node:fs/promises';

export interface MemoryWatch {
  stop(): void;
}

/** Resident set size in bytes, or undefined when it cannot be read (no /proc, the process is gone). */
export async function residentBytes(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status === undefined ? undefined : /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

/** Calls `exceeded` once, with the size seen, when the process's resident size passes `limit` bytes. */
export function watchMemory(pid: number, limit: number, exceeded: (rss: number) => void, everyMs = 200): MemoryWatch {
  let stopped = false;
  let reading = false;
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    void residentBytes(pid).then((rss) => {
      reading = false;
      if (stopped || rss === undefined || rss <= limit) return;
      stop();
      exceeded(rss);
    });
  }, everyMs);
  timer.unref();
  const stop = (): void => {
    stopped = true;
    clearInterval(timer);
  };
  return { stop };
}
