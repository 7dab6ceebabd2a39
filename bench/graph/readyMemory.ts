/**
 * Peak memory of load + projection (bench/graph/ready.ts's `memory` section), in a child process of its
 * own so nothing of the other sections is counted: the child holds the input columns and a warm pool,
 * resets the kernel's peak-RSS mark (`/proc/self/clear_refs`), loads the graph from the columns and runs
 * WCC (the app that keeps least beside the projection), then reads the peak (`VmHWM`). The session's
 * store reports its own peak through the `run` event.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { graph as gs } from '../../src/index.js';
import { columnsOf, freshSession, type IdType, loadColumns } from './readyCommon.js';
import { loadOrGenerate } from './generate.js';

export interface MemoryRow {
  readonly graph: string;
  readonly ids: IdType;
  readonly inputBytes: number;
  readonly baselineRssBytes: number;
  readonly peakRssAboveBaselineBytes: number;
  readonly storePeakBytes: number;
  readonly storeBytesAfter: number;
  readonly rssRatio: number;
  readonly storeRatio: number;
  readonly target: number;
  readonly met: boolean;
}

function procStatus(field: string): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
}

/** Runs in the child: prints one JSON line. */
export async function memoryChild(name: string, ids: IdType): Promise<void> {
  const { graph: peer } = loadOrGenerate(name);
  const c = columnsOf(peer, ids);
  const inputBytes = [c.id, c.src, c.dst, c.weight].reduce((s, a) => s + (a as ArrayBufferView).byteLength, 0);
  const sess = await freshSession();
  let storePeak = 0;
  sess.on('run', (stats: { peakBytes: number }) => (storePeak = Math.max(storePeak, stats.peakBytes)));
  global.gc?.();
  const baseline = procStatus('VmRSS');
  writeFileSync('/proc/self/clear_refs', '5');
  const g = loadColumns(sess, c);
  await sess.run(sess.scope(() => gs.wcc(g)).toArray('r'));
  const peak = procStatus('VmHWM');
  const row = {
    graph: name,
    ids,
    inputBytes,
    baselineRssBytes: baseline,
    peakRssAboveBaselineBytes: peak - baseline,
    storePeakBytes: storePeak,
    storeBytesAfter: sess.store.status().memoryUsage,
  };
  await sess.close();
  console.log(JSON.stringify(row));
}

export async function measureMemory(name: string, ids: IdType): Promise<MemoryRow> {
  const script = fileURLToPath(new URL(`./ready.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
  const args = [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), '--expose-gc', script, '--memory-child', name, ids];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`memory child failed (${r.status}): ${r.stderr}`);
  const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<MemoryRow, 'rssRatio' | 'storeRatio' | 'target' | 'met'>;
  const rssRatio = +(m.peakRssAboveBaselineBytes / m.inputBytes).toFixed(3);
  const storeRatio = +(m.storePeakBytes / m.inputBytes).toFixed(3);
  const row = { ...m, rssRatio, storeRatio, target: 2.5, met: rssRatio <= 2.5 && storeRatio <= 2.5 };
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  console.log(`  memory ${ids.padEnd(7)} inputs ${mb(m.inputBytes)}: peak RSS +${mb(m.peakRssAboveBaselineBytes)} (${rssRatio}x), store peak ${mb(m.storePeakBytes)} (${storeRatio}x), store after ${mb(m.storeBytesAfter)} (target <= 2.5x)`);
  return row;
}
