/** Session records for tests of the server's pure modules. */
import type { SessionRecord } from '../../src/service/server/registry.js';

let next = 0;

export function record(fields: Partial<SessionRecord> = {}): SessionRecord {
  next++;
  return {
    id: `s${String(next).padStart(7, '0')}`,
    name: `session-${next}`,
    kind: 'interactive',
    owner: 'owner-a',
    status: 'Running',
    startTime: '2026-01-01T00:00:00.000Z',
    expiryTime: '2026-01-02T00:00:00.000Z',
    workers: 2,
    memory: 1024,
    memoryRequested: '1Ki',
    memoryInUse: 0,
    storeObjects: 0,
    replica: { id: 1, count: 1 },
    env: { REPLICA_ID: '1', REPLICA_COUNT: '1' },
    dag: { runs: 0, chunksTotal: 0, chunksDone: 0, running: false, failedRuns: 0 },
    ...fields,
  };
}
