/**
 * The server the remote benchmark talks to, in a process of its own: the server `tessera serve` runs
 * (buildServer with SERVE_DEPS) on a free port and a temporary data directory, behind the token
 * 'bench'. It prints its address as one JSON line and exits when its stdin closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVE_DEPS } from '../../src/cli/serve.js';
import { buildServer } from '../../src/service/server/app.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-serve-'));
const server = await buildServer(
  { host: '127.0.0.1', port: 0, tokens: ['bench'], dataDir, maxSessions: 1000, danglingTimeout: 60, allowUserCode: true },
  SERVE_DEPS,
);
process.stdout.write(`${JSON.stringify({ address: server.url })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().then(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
