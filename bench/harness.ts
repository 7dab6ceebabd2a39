/**
 * Shared benchmark plumbing: repeated timing with medians (this machine is small and shared, so single
 * runs mean little), the machine description, and JSON output under bench/out/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The source tree's bench/ folder, also when running compiled from dist-bench/bench/. */
const here = dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = here.includes(`${sep}dist-bench${sep}`) ? join(here, '..', '..', 'bench') : here;
export const OUT_DIR = join(BENCH_DIR, 'out');

export interface Timing {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export function summarize(samples: readonly number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, runs: s.length };
}

/** Times `fn` (ms) `runs` times after `warmup` untimed calls. */
export async function time(fn: () => unknown, runs: number, warmup = 1): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

export function machine(): Record<string, unknown> {
  return {
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: availableParallelism(),
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    loadavg: loadavg().map((x) => +x.toFixed(2)),
    at: new Date().toISOString(),
  };
}

export function writeResult(name: string, result: unknown): string {
  mkdirSync(OUT_DIR, { recursive: true });
  const path = join(OUT_DIR, `${name}.json`);
  writeFileSync(path, `${JSON.stringify({ machine: machine(), ...(result as object) }, null, 2)}\n`);
  return path;
}

export function fmt(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`;
}
