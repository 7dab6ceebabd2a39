/**
 * The dashboard's DAG event stream is held to the cap every live stream has (liveStreams.ts): a client
 * that never reads is dropped once it leaves more than MAX_UNREAD_BYTES unread, while a client that
 * reads gets every snapshot. The runs come from a headless session's child, played here by the fake
 * headless host: each run is a graph with long kernel names, so each snapshot is a few MiB.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_UNREAD_BYTES } from '../../../src/service/server/liveStreams.js';
import { dashboardRoutes } from '../../../src/service/server/routes/dashboard.js';
import { failOnUnhandledRejections } from '../../support/lifecycle.js';
import { TOKEN_A, api, fakeHeadless, hostedServers, until } from '../../support/hostedServer.js';

failOnUnhandledRejections();
const start = hostedServers();

const CHUNKS = 800;
const LABEL = 4096;

/** A run of CHUNKS independent chunks whose kernel names are LABEL characters long. */
function plannedRun(run: number): unknown {
  return {
    events: [{
      type: 'planned',
      run,
      kernels: Array.from({ length: CHUNKS }, (_, i) => `k${run}-${i}-`.padEnd(LABEL, 'x')),
      depStart: new Int32Array(CHUNKS + 1),
      deps: new Int32Array(0),
      ownerKeys: [],
      ownerOf: new Int32Array(CHUNKS).fill(-1),
    }],
    store: { memoryUsage: 0, memoryLimit: 1, objects: 0 },
  };
}

/** Reads a stream as it comes, keeping only its size and the snapshots' run numbers. */
class CountingReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  bytes = 0;
  readonly runs: number[] = [];
  #tail = '';
  ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  async until(ready: () => boolean): Promise<void> {
    while (!ready() && !this.ended) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await this.#reader.read();
      } catch {
        // The server dropped the connection: that is an end too.
        this.ended = true;
        break;
      }
      if (chunk.done) {
        this.ended = true;
        break;
      }
      this.bytes += chunk.value.byteLength;
      const text = this.#tail + this.#decoder.decode(chunk.value, { stream: true });
      for (const m of text.matchAll(/event: snapshot\ndata: \{"run":(\d+),/g)) this.runs.push(Number(m[1]));
      this.#tail = text.slice(-64);
    }
  }
}

describe('the DAG event stream', () => {
  it('drops a client that never reads once it leaves more than MAX_UNREAD_BYTES unread; a reading client gets every run', async () => {
    const headless = fakeHeadless();
    const server = await start({}, { startHeadless: headless.start, plugins: [dashboardRoutes] });
    writeFileSync(join(server.dataDir, 'job.mjs'), 'export default async () => 1;\n');
    const [id] = await api(server, TOKEN_A).create({ name: 'drawn', kind: 'headless', module: 'job.mjs' });
    headless.runs[0]!.hooks.running();
    await until(server.ctx.registry, (s) => s.sessions[id!]?.status === 'Running');
    const url = `${server.url}/v1/sessions/${id}/dag/events`;
    const headers = { authorization: `Bearer ${TOKEN_A}` };
    const stalled = await fetch(url, { headers });
    const reading = new CountingReader((await fetch(url, { headers })).body!);
    expect(stalled.status).toBe(200);
    await reading.until(() => reading.runs.length > 0);
    // Enough snapshots for twice the cap, and more than loopback's socket buffers hold.
    const runs = Math.ceil((2 * MAX_UNREAD_BYTES + 16 * 2 ** 20) / (CHUNKS * LABEL)) + 1;
    for (let run = 1; run <= runs; run++) {
      headless.runs[0]!.hooks.chunks!(plannedRun(run));
      await reading.until(() => reading.runs.includes(run));
    }
    expect(reading.ended).toBe(false);
    expect(reading.runs.filter((r) => r > 0)).toEqual(Array.from({ length: runs }, (_, i) => i + 1));
    // The session ends, so every stream still open ends too: what the stalled client gets is what it was left.
    expect((await api(server, TOKEN_A).delete(`/v1/sessions/${id}`)).status).toBe(204);
    const late = new CountingReader(stalled.body!);
    await late.until(() => false);
    await reading.until(() => false);
    expect(late.bytes).toBeLessThan(reading.bytes - MAX_UNREAD_BYTES);
    expect(late.runs.length).toBeLessThan(reading.runs.length);
  });
});
