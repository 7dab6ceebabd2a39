/**
 * A script for test/e2e/sessionClose.test.ts, run in a child process: it creates and closes big
 * sessions with pools of their own over and over — idle ones, and ones closed right after a run sent
 * work to the pool (so threads are still starting when `close` is called) — then sessions on the shared
 * pool closed the same way (its threads are let go, not ended), and prints 'closed' when done. Any abort
 * or unhandled rejection makes the process exit non-zero, and so does a shared thread left referenced.
 * With a server address as the fourth argument the sessions are remote ones hosted there (the pool
 * option is the server's business then): the script must exit just the same once it closed them
 * (their heartbeat timers and connections must not keep it alive).
 */
import { newSession, tensor as tt } from '../../src/index.js';

const idle = Number(process.argv[2] ?? 5);
const busy = Number(process.argv[3] ?? 2);
const address = process.argv[4];
const where = address ? { address, token: 't1' } : {};
for (let i = 0; i < idle; i++) {
  const sess = newSession({ workers: 64, ...(address ? where : { pool: 'private' as const }) });
  await sess.close();
}
for (let i = 0; i < 2 * busy; i++) {
  const pool = i < busy ? ('private' as const) : ('shared' as const);
  const sess = newSession({ mode: 'lazy', workers: 6, default: false, ...(address ? where : { pool }) });
  // 12 chunks of 40,000 elements: each a pool task of its own (12 sent with one abort signal, 6 of them
  // in the pool at once), so a private pool starts a thread for each of the first 6 and the first ones
  // up take the work while the others are still starting.
  const total = await sess.run(tt.ones([12 * 40_000], { chunkSize: 40_000 }).add(i).sum());
  if ((total as { item(): number }).item() !== 12 * 40_000 * (1 + i)) throw new Error(`wrong sum in round ${i}`);
  await sess.close();
}
console.log('closed');
