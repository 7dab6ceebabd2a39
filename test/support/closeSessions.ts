/**
 * A script for test/e2e/sessionClose.test.ts, run in a child process: it creates and closes big
 * sessions over and over — idle ones, and ones closed right after a run sent work to the pool (so
 * threads are still starting when `close` is called) — and prints 'closed' when done. Any abort or
 * unhandled rejection makes the process exit non-zero. With a server address as the fourth argument
 * the sessions are remote ones hosted there: the script must exit just the same once it closed them
 * (their heartbeat timers and connections must not keep it alive).
 */
import { newSession, tensor as tt } from '../../src/index.js';

const idle = Number(process.argv[2] ?? 5);
const busy = Number(process.argv[3] ?? 2);
const address = process.argv[4];
const where = address ? { address, token: 't1' } : {};
for (let i = 0; i < idle; i++) {
  const sess = newSession({ workers: 64, ...where });
  await sess.close();
}
for (let i = 0; i < busy; i++) {
  const sess = newSession({ mode: 'lazy', workers: 6, default: false, ...where });
  // 12 chunks of 40,000 elements: each a pool task of its own (12 in flight with one abort signal), so
  // the pool starts a thread for each of the first 6 and the first ones up take the work while the
  // others are still starting.
  const total = await sess.run(tt.ones([12 * 40_000], { chunkSize: 40_000 }).add(i).sum());
  if ((total as { item(): number }).item() !== 12 * 40_000 * (1 + i)) throw new Error(`wrong sum in round ${i}`);
  await sess.close();
}
console.log('closed');
