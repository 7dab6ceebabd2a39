/**
 * Soak: an interactive user's loop, many thousands of times, with no handle kept between steps (issue 9
 * §2). Eager: `a = rand([200, 200], {chunkSize: 100, seed: i}); await a.mul(2).add(i).sum().fetch()`.
 * Lazy: the same expression through `sess.run`. Every `--every` steps the script samples the store
 * (bytes, objects) and the process RSS — as a user would see them: the script forces no collection
 * (`--force-gc` makes it collect before each sample, which needs node --expose-gc). The store must stay
 * flat (< 50 MB) and RSS must not grow with the step count: reported are the samples, the store's
 * maximum, RSS growth between the second and the last quarter of the run, and the time per step.
 *
 *   npx tsx bench/session/soak.ts [--steps N] [--every K] [--executor threads|local] [--force-gc]
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { newSession, type Session, tensor as tt } from '../../src/index.js';
import { writeResult } from '../harness.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '10000' },
    every: { type: 'string', default: '500' },
    executor: { type: 'string', default: 'threads' },
    'force-gc': { type: 'boolean', default: false },
  },
});
const STEPS = Number(values.steps);
const EVERY = Number(values.every);
const executor = values.executor as 'threads' | 'local';
const gc = (globalThis as { gc?: () => void }).gc;
if (values['force-gc'] && !gc) throw new Error('--force-gc needs node --expose-gc');

interface Sample {
  readonly step: number;
  readonly ms: number;
  readonly storeBytes: number;
  readonly storeObjects: number;
  readonly rssBytes: number;
  readonly heapBytes: number;
}

async function settle(): Promise<void> {
  // Finalizers run as tasks after a collection; give them (and the session queue) a few turns.
  for (let i = 0; i < 3; i++) {
    gc!();
    await sleep(5);
  }
}

async function sample(sess: Session, step: number): Promise<Sample> {
  if (values['force-gc']) await settle();
  const s = sess.store.status();
  return { step, ms: performance.now(), storeBytes: s.memoryUsage, storeObjects: s.objects, rssBytes: process.memoryUsage().rss, heapBytes: process.memoryUsage().heapUsed };
}

async function soak(mode: 'eager' | 'lazy'): Promise<Sample[]> {
  const sess = newSession({ mode, executor, default: false });
  const samples: Sample[] = [];
  try {
    await sess.scope(async () => {
      for (let i = 0; i <= STEPS; i++) {
        if (i % EVERY === 0) samples.push(await sample(sess, i));
        if (i === STEPS) break;
        const a = tt.random.rand([200, 200], { chunkSize: 100, seed: i });
        const s = a.mul(2).add(i).sum();
        if (mode === 'eager') await s.fetch();
        else await sess.run(s);
      }
    });
  } finally {
    await sess.close();
  }
  return samples;
}

function report(mode: string, samples: readonly Sample[]): Record<string, unknown> {
  const mb = (b: number): number => +(b / 2 ** 20).toFixed(1);
  const q = Math.max(1, Math.floor(samples.length / 4));
  const mean = (xs: readonly Sample[]): number => xs.reduce((a, s) => a + s.rssBytes, 0) / xs.length;
  // The first quarter is warm-up (pool threads, JIT, allocator arenas); growth is measured after it.
  const rssGrowth = mean(samples.slice(-q)) - mean(samples.slice(q, 2 * q));
  const storeMax = Math.max(...samples.map((s) => s.storeBytes));
  const objectsMax = Math.max(...samples.map((s) => s.storeObjects));
  const msPerStep = (samples[samples.length - 1]!.ms - samples[0]!.ms) / STEPS;
  console.log(
    `${mode}: ${STEPS} steps (${msPerStep.toFixed(2)} ms each), store max ${mb(storeMax)} MB in at most ${objectsMax} objects, ` +
      `RSS ${mb(samples[q]!.rssBytes)} -> ${mb(samples[samples.length - 1]!.rssBytes)} MB (last quarter minus second: ${mb(rssGrowth)} MB)`,
  );
  return {
    steps: STEPS,
    msPerStep: +msPerStep.toFixed(3),
    storeMaxMB: mb(storeMax),
    storeObjectsMax: objectsMax,
    rssGrowthMB: mb(rssGrowth),
    samples: samples.map((s) => ({ step: s.step, storeMB: mb(s.storeBytes), objects: s.storeObjects, rssMB: mb(s.rssBytes), heapMB: mb(s.heapBytes) })),
  };
}

const eager = report('eager', await soak('eager'));
const lazy = report('lazy', await soak('lazy'));
console.log(`wrote ${writeResult('session-soak', { executor, every: EVERY, forcedGc: values['force-gc'], eager, lazy })}`);
