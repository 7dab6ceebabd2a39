/**
 * Object store benchmark: what `put`/`get` cost for a large typed array (they must not copy it), and how
 * many metadata operations per second the store sustains. Each figure is the median of several runs and
 * sits next to a baseline measured in the same run on the same machine: a copy of the same array
 * (`slice()` and `structuredClone`) for the first, plain `Map` get/set for the second.
 *
 *   npx tsx bench/store/store.ts        (prints a table, writes bench/out/store.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { SharedCatalog } from '../../src/store/catalog.js';
import type { ObjectID } from '../../src/store/objectId.js';
import { ObjectStore } from '../../src/store/objectStore.js';
import { OUT_DIR } from '../harness.js';

const RUNS = 9;
const ARRAY_BYTES = 64 * 1024 * 1024;
const META_OPS = 100_000;
const OBJECTS = 1_000;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function ms(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function medianMs(fn: () => void, before: () => void = () => undefined, after: () => void = () => undefined): number {
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    before();
    times.push(ms(fn));
    after();
  }
  return median(times);
}

/** Median operations per second of `body(n)`, which performs `n` operations. */
function opsPerSec(n: number, body: (n: number) => void, before?: () => void): number {
  return n / (medianMs(() => body(n), before) / 1000);
}

/** Results land here so that no measured call is optimised away as unused. */
let sink: unknown;

function zeroCopy() {
  const shared = new Float64Array(new SharedArrayBuffer(ARRAY_BYTES));
  for (let i = 0; i < shared.length; i++) shared[i] = i;
  const plain = new Float64Array(ARRAY_BYTES / 8);
  plain.set(shared);
  const store = new ObjectStore({ memoryLimit: '1Gi', catalog: new SharedCatalog() });
  let id: ObjectID | undefined;
  const putGet = medianMs(
    () => {
      id = store.put(shared);
      sink = store.get(id);
      if (sink !== shared) throw new Error('put/get copied the array');
    },
    undefined,
    () => store.delete(id!),
  );
  const tensor = { dtype: 'float64', shape: [shared.length], data: shared };
  let k = 0;
  const chunkPutGet = medianMs(
    () => {
      store.chunks.put(`chunk-${k}`, tensor);
      sink = store.chunks.get(`chunk-${k}`);
      if ((sink as { data: unknown }).data !== shared) throw new Error('chunk put/get copied the array');
    },
    undefined,
    () => store.chunks.delete(`chunk-${k++}`),
  );
  const slice = medianMs(() => {
    sink = shared.slice();
  });
  const clone = medianMs(() => {
    sink = structuredClone(plain);
  });
  store.close();
  return {
    bytes: ARRAY_BYTES,
    putGetMs: putGet,
    chunkPutGetMs: chunkPutGet,
    sliceMs: slice,
    structuredCloneMs: clone,
    sliceOverPutGet: slice / putGet,
    cloneOverPutGet: clone / putGet,
    targetMs: 1,
    meetsTarget: putGet < 1 && chunkPutGet < 1,
  };
}

function metadata() {
  const catalog = new SharedCatalog();
  const store = new ObjectStore({ catalog });
  const ids: ObjectID[] = [];
  for (let i = 0; i < OBJECTS; i++) {
    ids.push(store.put(i % 2 ? { dtype: 'float64', shape: [4], data: new Float64Array(4) } : { i }, { persist: true }));
  }
  const printed = ids.map(String);
  const names = Array.from({ length: META_OPS }, (_, i) => `name-${i}`);
  const dropNames = (): void => {
    for (const n of names) store.dropName(n);
  };
  const rates = {
    getMeta: opsPerSec(META_OPS, (n) => {
      for (let i = 0; i < n; i++) sink = store.getMeta(ids[i % OBJECTS]!);
    }),
    getMetaByString: opsPerSec(META_OPS, (n) => {
      for (let i = 0; i < n; i++) sink = store.getMeta(printed[i % OBJECTS]!);
    }),
    exists: opsPerSec(META_OPS, (n) => {
      for (let i = 0; i < n; i++) sink = store.exists(ids[i % OBJECTS]!);
    }),
    // Each iteration is two operations: bind a fresh name, then look it up.
    putNameGetName: opsPerSec(
      2 * META_OPS,
      (n) => {
        for (let i = 0; i < n / 2; i++) {
          store.putName(ids[i % OBJECTS]!, names[i]!);
          sink = store.getName(names[i]!);
        }
      },
      dropNames,
    ),
    list: opsPerSec(META_OPS, (n) => {
      for (let i = 0; i < n; i++) sink = store.list('tessera::Tensor*');
    }),
  };
  const map = new Map<string, unknown>();
  const mapRate = opsPerSec(2 * META_OPS, (n) => {
    for (let i = 0; i < n / 2; i++) {
      map.set(names[i]!, i);
      sink = map.get(names[i]!);
    }
  }, () => map.clear());
  store.close();
  const slowest = Math.min(...Object.values(rates));
  return {
    objects: OBJECTS,
    opsPerRun: META_OPS,
    opsPerSec: rates,
    mapGetSetOpsPerSec: mapRate,
    mapOverSlowest: mapRate / slowest,
    targetOpsPerSec: 100_000,
    meetsTarget: slowest >= 100_000,
  };
}

const result = {
  benchmark: 'store',
  node: process.version,
  cpus: cpus().length,
  runs: RUNS,
  zeroCopy: zeroCopy(),
  metadata: metadata(),
};

const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(3));
const z = result.zeroCopy;
console.log(`store bench (node ${result.node}, ${result.cpus} cpus, median of ${RUNS} runs)`);
console.log(`  put+get 64 MiB Float64Array        ${fmt(z.putGetMs)} ms   (target < 1 ms)`);
console.log(`  chunks.put+get 64 MiB tensor       ${fmt(z.chunkPutGetMs)} ms`);
console.log(`  baseline slice() copy              ${fmt(z.sliceMs)} ms   (${fmt(z.sliceOverPutGet)}x put+get)`);
console.log(`  baseline structuredClone copy      ${fmt(z.structuredCloneMs)} ms   (${fmt(z.cloneOverPutGet)}x put+get)`);
for (const [op, rate] of Object.entries(result.metadata.opsPerSec)) {
  console.log(`  ${op.padEnd(34)} ${fmt(rate)} ops/s`);
}
console.log(`  baseline Map set+get               ${fmt(result.metadata.mapGetSetOpsPerSec)} ops/s (${fmt(result.metadata.mapOverSlowest)}x the slowest store op)`);

const out = join(OUT_DIR, 'store.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`  written to ${out}`);
