/**
 * How fast a big chunk reaches a worker: one task reading a 64 MiB chunk through the threads executor,
 * against the same task on a one-element chunk (the fixed cost of a round trip). Chunks live in
 * SharedArrayBuffers, so the difference should be noise, not a copy. Baseline in the same run: one
 * structured clone of a 64 MiB Float64Array (what sending it by copy would cost at the very least).
 */
import { allocate } from '../../src/base/ndarray.js';
import { ChunkGraphBuilder } from '../../src/dag/chunkGraph.js';
import { ThreadsExecutor } from '../../src/executors/threads.js';
import { MemoryChunkStore } from '../../src/store/chunkStore.js';
import { fmt, time, writeResult } from '../harness.js';

const ELEMENTS = (64 * 2 ** 20) / 8;

async function roundTrip(ex: ThreadsExecutor, n: number): Promise<number> {
  const store = new MemoryChunkStore();
  store.put('big', { dtype: 'float64', shape: [n], data: allocate('float64', n) });
  const t = await time(async () => {
    const b = new ChunkGraphBuilder();
    b.addFetch('big', null);
    b.add({ key: 'one', kernel: 'tensor.slice', params: { starts: [0], steps: [1], sliced: [1], shape: [1], dtype: 'float64' }, inputs: ['big'], meta: { shape: [1] } });
    const g = b.build();
    await ex.run(g, store, { targets: [g.indexOf('one')] });
    store.delete('one');
  }, 50, 10);
  return t.median;
}

export async function benchTransfer(): Promise<Record<string, unknown>> {
  // Pool only: the point is what reaching a worker costs, so no task may run inline.
  const ex = new ThreadsExecutor({ workers: 2, inlineTinyTasks: false });
  try {
    const big = await roundTrip(ex, ELEMENTS);
    const tiny = await roundTrip(ex, 1);
    const copy = await time(() => structuredClone(new Float64Array(ELEMENTS)), 5, 1);
    console.log(`64 MiB chunk task ${fmt(big)}, 1-element chunk task ${fmt(tiny)}: the 64 MiB chunk costs ${fmt(Math.max(0, big - tiny))} extra; one structured clone of it: ${fmt(copy.median)}`);
    return { bigChunkTaskMs: big, tinyChunkTaskMs: tiny, extraMsFor64MiB: Math.max(0, big - tiny), structuredCloneMs: copy.median, ratioToClone: +(big / copy.median).toFixed(4) };
  } finally {
    await ex.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchTransfer();
  console.log(`wrote ${writeResult('transfer', r)}`);
}
