/**
 * The server the remote benchmark talks to, in a process of its own (as `tessera serve` would be): it
 * starts the test server (test/support/remoteServer.ts, the remote routes behind bearer tokens), prints
 * its address as one JSON line, and exits when its stdin closes.
 */
import { startTestServer } from '../../test/support/remoteServer.js';

const server = await startTestServer({ tokens: ['bench'] });
process.stdout.write(`${JSON.stringify({ address: server.address })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().then(() => process.exit(0));
});
