/**
 * Hosted sessions' lives (issue 10 §1, §4, §5): an interactive session is an engine session in the
 * server whose progress reaches its record and log; deleting, expiring or a silent client ends it
 * (Terminating, then gone); a headless session follows its run (driven here by a fake host) to
 * Completed with its result named, or Failed; closing the server ends every session.
 */
import { realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tensor as tt, type NdArray } from '../../../src/index.js';
import type { Caller } from '../../../src/service/server/context.js';
import { SessionJournal } from '../../../src/service/server/journal.js';
import { Session } from '../../../src/session/session.js';
import type { SessionRecord, SessionStatus } from '../../../src/service/server/registry.js';
import { ObjectStore } from '../../../src/store/objectStore.js';
import { failOnUnhandledRejections } from '../../support/lifecycle.js';
import { TOKEN_A, api, fakeHeadless, hostedServers, until, type TestServer } from '../../support/hostedServer.js';

failOnUnhandledRejections();
const start = hostedServers();

function callerOf(server: TestServer, id: string): Caller {
  return { owner: server.ctx.registry.get(id)!.owner };
}

/** Every status a session goes through, from the registry's patches. */
function statusTrail(server: TestServer): Map<string, (SessionStatus | 'removed')[]> {
  const trail = new Map<string, (SessionStatus | 'removed')[]>();
  server.ctx.registry.subscribe((patches) => {
    for (const p of patches) {
      const id = String(p.path[1]);
      const list = trail.get(id) ?? [];
      trail.set(id, list);
      if (p.path.length === 2) list.push(p.op === 'remove' ? 'removed' : (p.value as SessionRecord).status);
      else if (p.path[2] === 'status') list.push(p.value as SessionStatus);
    }
  });
  return trail;
}

const gone = (id: string) => (s: { sessions: Record<string, unknown> }) => s.sessions[id] === undefined;

describe('interactive sessions', () => {
  it('run DAGs in their engine session; progress reaches the record (dag, store) and the log', async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const [id] = await a.create({ name: 'work', kind: 'interactive', mode: 'lazy', workers: 1, memory: '256Mi' });
    const engine = server.ctx.engineSessionFor(callerOf(server, id!), id!);
    expect(engine.mode).toBe('lazy');
    const t = tt.arange(100, undefined, undefined, { chunkSize: 10 }).add(1);
    await t.execute({ session: engine });
    expect(Array.from(((await t.fetch({ session: engine })) as NdArray).data)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    await until(server.ctx.registry, (s) => {
      const r = s.sessions[id!];
      return r !== undefined && r.dag.runs === 1 && !r.dag.running && r.storeObjects > 0;
    });
    const record = (await a.get(`/v1/sessions/${id}`)).body as SessionRecord;
    expect(record.dag).toMatchObject({ runs: 1, running: false, failedRuns: 0 });
    expect(record.dag.chunksDone).toBe(record.dag.chunksTotal);
    expect(record.dag.chunksTotal).toBeGreaterThan(0);
    expect(record.memoryInUse).toBeGreaterThanOrEqual(800);
    const logs = await a.get(`/v1/sessions/${id}/logs`);
    expect(logs.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(logs.text).toMatch(/^run 1: \d+ chunks? to run\nrun 1 done: \d+ chunks run/);
  });

  it('go Pending → Running → Terminating → gone on delete, with their engine session closed', async () => {
    const server = await start();
    const trail = statusTrail(server);
    const a = api(server, TOKEN_A);
    const [id] = await a.create({ name: 'short', kind: 'interactive', workers: 1 });
    const engine = server.ctx.engineSessionFor(callerOf(server, id!), id!);
    const events = (await a.get(`/v1/sessions/${id}/events`)).body as { type: string }[];
    expect(events.map((e) => e.type)).toEqual(['Pending', 'Running']);
    expect((await a.delete(`/v1/sessions/${id}`)).status).toBe(204);
    expect(trail.get(id!)).toEqual(['Pending', 'Running', 'Terminating', 'removed']);
    expect(engine.closed).toBe(true);
  });

  it('are removed when their engine session is closed from inside the server', async () => {
    const server = await start();
    const [id] = await api(server, TOKEN_A).create({ name: 'closing', kind: 'interactive', workers: 1 });
    await server.ctx.engineSessionFor(callerOf(server, id!), id!).close();
    await until(server.ctx.registry, gone(id!));
    expect((await api(server, TOKEN_A).get(`/v1/sessions/${id}`)).status).toBe(404);
  });

  it('are closed after danglingTimeout without a request naming them; any request naming one keeps it alive', async () => {
    const server = await start({ danglingTimeout: 1 });
    const a = api(server, TOKEN_A);
    const [kept] = await a.create({ name: 'kept', kind: 'interactive', workers: 1 });
    const [silent] = await a.create({ name: 'silent', kind: 'interactive', workers: 1 });
    const silentJournal = server.ctx.journalOf(silent!);
    let silentGone = false;
    void until(server.ctx.registry, gone(silent!)).then(() => {
      silentGone = true;
    });
    const paths = [`/v1/sessions/${kept}`, `/v1/sessions/${kept}/events`, `/v1/sessions/${kept}/logs`];
    for (let i = 0; !silentGone; i++) {
      expect((await a.get(paths[i % paths.length]!)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(server.ctx.registry.get(kept!)?.status).toBe('Running');
    expect(silentJournal.events.at(-1)).toMatchObject({ type: 'Terminating', message: expect.stringContaining('danglingTimeout') });
    await until(server.ctx.registry, gone(kept!));
  });

  it('expire at expiryTime: closed and removed', async () => {
    const server = await start({ sessionTtl: 0.5 });
    const trail = statusTrail(server);
    const [id] = await api(server, TOKEN_A).create({ name: 'brief', kind: 'interactive', workers: 1 });
    const journal = server.ctx.journalOf(id!);
    const record = server.ctx.registry.get(id!)!;
    expect(Date.parse(record.expiryTime) - Date.parse(record.startTime)).toBe(500);
    await until(server.ctx.registry, gone(id!));
    expect(trail.get(id!)).toEqual(['Pending', 'Running', 'Terminating', 'removed']);
    expect(journal.events.at(-1)).toMatchObject({ type: 'Terminating', message: 'its expiryTime passed' });
  });
});

describe('headless sessions', () => {
  async function headlessServer(): Promise<{ server: TestServer; runs: ReturnType<typeof fakeHeadless>['runs'] }> {
    const host = fakeHeadless();
    const server = await start({}, { startHeadless: host.start });
    writeFileSync(join(server.dataDir, 'job.mjs'), 'export default async () => 1;\n');
    return { server, runs: host.runs };
  }

  it('hand the host the resolved module, args, env with the replica, workers and memory', async () => {
    const { server, runs } = await headlessServer();
    const ids = await api(server, TOKEN_A).create({ name: 'job', kind: 'headless', module: 'job.mjs', args: ['--n', '3'], env: { MODE: 'fast' }, workers: 2, memory: '1Gi', replicas: 2 });
    expect(runs.map((r) => r.spec)).toEqual([
      { id: ids[0], modulePath: realpathSync(join(server.dataDir, 'job.mjs')), args: ['--n', '3'], env: { MODE: 'fast', REPLICA_ID: '1', REPLICA_COUNT: '2' }, workers: 2, memory: 2 ** 30 },
      { id: ids[1], modulePath: realpathSync(join(server.dataDir, 'job.mjs')), args: ['--n', '3'], env: { MODE: 'fast', REPLICA_ID: '2', REPLICA_COUNT: '2' }, workers: 2, memory: 2 ** 30 },
    ]);
    const record = (await api(server, TOKEN_A).get(`/v1/sessions/${ids[0]}`)).body as SessionRecord;
    expect(record).toMatchObject({ status: 'Pending', module: 'job.mjs', args: ['--n', '3'] });
    expect(JSON.stringify(record)).not.toContain(server.dataDir);
  });

  it('go Pending → Running → Completed, with their logs and their result stored under a name', async () => {
    const { server, runs } = await headlessServer();
    const a = api(server, TOKEN_A);
    const trail = statusTrail(server);
    const [id] = await a.create({ name: 'sum', kind: 'headless', module: 'job.mjs' });
    const run = runs[0]!;
    run.hooks.log('starting\nloading data\n');
    run.hooks.running();
    run.hooks.event('Progress', 'half way');
    run.hooks.log('done\n');
    run.finish({ ok: true, result: { total: 55, values: new Float64Array([1, 2, 3]) } });
    await until(server.ctx.registry, (s) => s.sessions[id!]?.status === 'Completed');
    const record = (await a.get(`/v1/sessions/${id}`)).body as SessionRecord;
    expect(record.resultName).toBe(`sum-${id}-result`);
    expect(trail.get(id!)).toEqual(['Pending', 'Running', 'Completed']);
    expect((await a.get(`/v1/sessions/${id}/logs`)).text).toBe('starting\nloading data\ndone\n');
    const events = (await a.get(`/v1/sessions/${id}/events`)).body as { type: string; message: string }[];
    expect(events.map((e) => e.type)).toEqual(['Pending', 'Running', 'Progress', 'Completed']);
    const store = new ObjectStore();
    // The catalog binds it under the owner's prefix: another token's names never meet it.
    const catalogName = server.ctx.owners.name(server.ctx.registry.get(id!)!.owner, record.resultName!);
    try {
      expect(store.get({ name: catalogName })).toEqual({ total: 55, values: new Float64Array([1, 2, 3]) });
      // Named, it outlives its session (purge=transient, the default); purge=all would drop it (purge.test.ts).
      expect((await a.delete(`/v1/sessions/${id}`)).status).toBe(204);
      expect(store.get({ name: catalogName })).toEqual({ total: 55, values: new Float64Array([1, 2, 3]) });
    } finally {
      store.close();
    }
  });

  it('end Failed with the error in info and events, and never move again', async () => {
    const { server, runs } = await headlessServer();
    const a = api(server, TOKEN_A);
    const [id] = await a.create({ name: 'bad', kind: 'headless', module: 'job.mjs' });
    runs[0]!.hooks.running();
    runs[0]!.finish({ ok: false, error: { code: 'ModuleThrew', message: 'boom at line 3' } });
    await until(server.ctx.registry, (s) => s.sessions[id!]?.status === 'Failed');
    runs[0]!.hooks.running();
    expect((await a.get(`/v1/sessions/${id}`)).body).toMatchObject({ status: 'Failed', error: { code: 'ModuleThrew', message: 'boom at line 3' } });
    expect((await a.get(`/v1/sessions/${id}/events`)).body).toContainEqual(expect.objectContaining({ type: 'Failed', message: 'ModuleThrew: boom at line 3' }));
  });

  it('complete without a name when the module returns nothing, and fail when its result cannot be stored', async () => {
    const { server, runs } = await headlessServer();
    const a = api(server, TOKEN_A);
    const [empty, odd] = await a.create({ name: 'r', kind: 'headless', module: 'job.mjs', replicas: 2 });
    runs[0]!.finish({ ok: true, result: undefined });
    runs[1]!.finish({ ok: true, result: { f: new Map() } });
    await until(server.ctx.registry, (s) => s.sessions[empty!]?.status === 'Completed' && s.sessions[odd!]?.status === 'Failed');
    expect((await a.get(`/v1/sessions/${empty}`)).body).not.toHaveProperty('resultName');
    expect(((await a.get(`/v1/sessions/${odd}`)).body as SessionRecord).error?.message).toMatch(/^The module's result could not be stored: /);
  });

  it('are stopped on delete: the run is stopped and the session gone', async () => {
    const { server, runs } = await headlessServer();
    const a = api(server, TOKEN_A);
    const [id] = await a.create({ name: 'long', kind: 'headless', module: 'job.mjs' });
    runs[0]!.hooks.running();
    expect((await a.delete(`/v1/sessions/${id}`)).status).toBe(204);
    expect(runs[0]!.stopped).toBe(true);
    expect(server.ctx.registry.get(id!)).toBeUndefined();
  });
});

describe('closing the server', () => {
  it('closes every engine session and stops every run; nothing is left in the registry', async () => {
    const host = fakeHeadless();
    const server = await start({}, { startHeadless: host.start });
    writeFileSync(join(server.dataDir, 'job.mjs'), 'export default async () => 1;\n');
    const a = api(server, TOKEN_A);
    const [i1, i2] = await a.create({ name: 'i', kind: 'interactive', workers: 1, replicas: 2 });
    await a.create({ name: 'h', kind: 'headless', module: 'job.mjs' });
    const engines = [i1!, i2!].map((id) => server.ctx.engineSessionFor(callerOf(server, id), id));
    await server.close();
    expect(engines.map((e) => e.closed)).toEqual([true, true]);
    expect(host.runs[0]!.stopped).toBe(true);
    expect(server.ctx.registry.state.sessions).toEqual({});
    await expect(fetch(`${server.url}/v1/stats`)).rejects.toThrow();
  });
});

describe('a session whose opening fails', () => {
  it('is removed, and a close that fails then is logged, not left as an unhandled rejection', async () => {
    const server = await start();
    const { event } = SessionJournal.prototype;
    const journalBreaks = vi.spyOn(SessionJournal.prototype, 'event').mockImplementation(function (this: SessionJournal, ...args: Parameters<SessionJournal['event']>) {
      if (args[0] === 'Running') throw new Error('the journal broke while opening');
      return event.apply(this, args);
    });
    const closeFails = vi.spyOn(Session.prototype, 'close').mockRejectedValueOnce(new Error('the engine would not close'));
    let onWarning!: (w: Error & { code?: string }) => void;
    const closeLogged = new Promise<string>((resolve) => {
      onWarning = (w) => {
        if (w.message.includes('the engine would not close')) resolve(`${w.code}: ${w.message}`);
      };
    });
    process.on('warning', onWarning);
    try {
      const r = await api(server, TOKEN_A).post('/v1/sessions', { name: 'doomed', kind: 'interactive' });
      expect(r.status).toBe(500);
      expect(Object.values(server.ctx.registry.state.sessions).map((s) => s.name)).not.toContain('doomed');
      expect(closeFails).toHaveBeenCalledTimes(1);
      expect(await closeLogged).toMatch(/^TESSERA_SESSION_CLOSE_FAILED: /);
    } finally {
      process.off('warning', onWarning);
      journalBreaks.mockRestore();
      closeFails.mockRestore();
    }
  });
});
