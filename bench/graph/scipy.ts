/**
 * The scipy baseline of the graph benchmarks: bench/graph/scipy_kernels.py timed in the same run on the
 * same generated file when python3 has scipy, else the medians of shared/peers/results.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Next to this module under tsx; in the source tree when running compiled from dist-bench/.
const script = [join(here, 'scipy_kernels.py'), join(here, '..', '..', '..', 'bench', 'graph', 'scipy_kernels.py')].find((p) => existsSync(p));

export type Kernel = 'load' | 'sssp' | 'bfs' | 'wcc' | 'pagerank';
export const KERNELS: readonly Kernel[] = ['load', 'sssp', 'bfs', 'wcc', 'pagerank'];

/** scipy medians (s) from shared/peers/results.md, used when scipy cannot run here. */
export const RESULTS_MD: Readonly<Record<string, Record<Kernel, number>>> = {
  'g1-rmat-s16': { load: 0.0459, sssp: 0.0229, bfs: 0.0027, wcc: 0.0145, pagerank: 0.047 },
  'g2-grid-256': { load: 0.0076, sssp: 0.0109, bfs: 0.0011, wcc: 0.0031, pagerank: 0.0101 },
  'g1-rmat-s20': { load: 1.39, sssp: 0.83, bfs: 0.11, wcc: 0.53, pagerank: 1.4 },
  'g2-grid-1024': { load: 0.13, sssp: 0.2, bfs: 0.0217, wcc: 0.0674, pagerank: 0.16 },
};

export interface ScipyRun {
  readonly times: Record<Kernel, number[]>;
  readonly checksums: Record<string, Record<string, number>>;
}

export function runScipy(path: string, runs: number): ScipyRun | undefined {
  try {
    execFileSync('python3', ['-c', 'import scipy'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  if (!script) return undefined;
  const out = execFileSync('python3', [script, path, String(runs)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const parsed = JSON.parse(out) as Record<string, unknown>;
  const times = Object.fromEntries(KERNELS.map((k) => [k, parsed[k] as number[]])) as Record<Kernel, number[]>;
  return { times, checksums: parsed.checksums as ScipyRun['checksums'] };
}

