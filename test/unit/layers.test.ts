/**
 * Enforces the import table of DESIGN.md §2: each folder of src/ imports only from the folders below
 * it (type-only imports from dag are allowed in store), and there is no import cycle between folders.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

const ALLOWED: Record<string, readonly string[]> = {
  base: [],
  graph: ['base'],
  kernels: ['base', 'graph'],
  dag: ['base'],
  store: ['base'],
  ops: ['base', 'dag', 'kernels'],
  executors: ['base', 'dag', 'store', 'kernels'],
  session: ['base', 'dag', 'ops', 'store', 'executors'],
  api: ['base', 'dag', 'ops', 'session'],
  service: ['base', 'graph', 'kernels', 'dag', 'store', 'ops', 'executors', 'session', 'api', '(root)'],
  cli: ['base', 'graph', 'kernels', 'dag', 'store', 'ops', 'executors', 'session', 'api', 'service', '(root)'],
};
/** Type-only imports that the table allows on top of the above. */
const TYPE_ONLY: Record<string, readonly string[]> = { store: ['dag'], ops: ['kernels'] };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly file: string;
  readonly typeOnly: boolean;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of files(SRC)) {
    const rel = relative(SRC, file);
    const folder = rel.includes('/') ? rel.split('/')[0]! : '(root)';
    const text = readFileSync(file, 'utf8');
    const re = /^(import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gm;
    for (const m of text.matchAll(re)) {
      const spec = m[3] ?? m[4]!;
      const target = relative(SRC, resolve(dirname(file), spec));
      const to = target.includes('/') ? target.split('/')[0]! : '(root)';
      if (to !== folder) out.push({ from: folder, to, file: rel, typeOnly: Boolean(m[2]) });
    }
  }
  return out;
}

describe('layering (DESIGN §2)', () => {
  const all = edges();

  it('finds the imports it checks', () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all.some((e) => e.from === 'session' && e.to === 'executors')).toBe(true);
  });

  it('every folder imports only from the folders the table allows', () => {
    const violations = all
      .filter((e) => e.from !== '(root)' && e.from in ALLOWED)
      .filter((e) => !ALLOWED[e.from]!.includes(e.to) && !(e.typeOnly && TYPE_ONLY[e.from]?.includes(e.to)))
      .map((e) => `${e.file} imports ${e.typeOnly ? 'type from ' : ''}${e.to}/`);
    expect(violations).toEqual([]);
  });

  it('every src folder is in the table', () => {
    const folders = readdirSync(SRC).filter((f) => statSync(join(SRC, f)).isDirectory());
    expect(folders.filter((f) => !(f in ALLOWED))).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    const graph = new Map<string, Set<string>>();
    for (const e of all) {
      if (e.from === '(root)' || e.to === '(root)') continue;
      if (!graph.has(e.from)) graph.set(e.from, new Set());
      graph.get(e.from)!.add(e.to);
    }
    const state = new Map<string, number>();
    const cycles: string[] = [];
    const visit = (n: string, path: string[]): void => {
      if (state.get(n) === 2) return;
      if (state.get(n) === 1) {
        cycles.push([...path.slice(path.indexOf(n)), n].join(' -> '));
        return;
      }
      state.set(n, 1);
      for (const m of graph.get(n) ?? []) visit(m, [...path, n]);
      state.set(n, 2);
    };
    for (const n of graph.keys()) visit(n, []);
    expect(cycles).toEqual([]);
  });
});
