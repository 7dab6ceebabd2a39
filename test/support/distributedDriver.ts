/**
 * A driver process for the driver-death test: opens a distributed session with a short lease
 * (`driverTtl`), prints `session <id>` and starts a run of slow chunks that it never finishes — the
 * test SIGKILLs this process mid-run. Arguments: the Redis URL and the lease in seconds.
 */
import { newSession, tensor as tt } from '../../src/index.js';

const [url, ttl] = process.argv.slice(2);
const sess = newSession({ mode: 'lazy', default: false, executor: 'distributed', redis: url!, driverTtl: Number(ttl) });
process.stdout.write(`session ${sess.id}\n`);
// Each element takes far longer than the test (a loop of 10^12 steps): a worker running one of these
// chunks is surely mid-task when the driver dies, and stops only if it drops the task.
const slow = tt.ones([4], { chunkSize: 1 }).map((v) => {
  let s = 0;
  for (let i = 0; i < 1e12; i++) s += Math.sqrt(i);
  return v + s * 0;
});
sess.run(slow.sum()).catch((e: unknown) => {
  process.stderr.write(`the run failed: ${String(e)}\n`);
  process.exit(1);
});
