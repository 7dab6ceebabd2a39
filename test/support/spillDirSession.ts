/** For test/e2e/badInput.test.ts, in a child process (a hang must not stall the test runner): opens a session on argv[2] as spillDir and prints what happened as JSON. */
import { newSession } from '../../src/index.js';

try {
  const sess = newSession({ spillDir: process.argv[2]!, executor: 'local', default: false });
  await sess.close();
  console.log(JSON.stringify({ ok: true }));
} catch (e) {
  console.log(JSON.stringify({ name: (e as Error).name, code: (e as { code?: string }).code, message: (e as Error).message }));
}
