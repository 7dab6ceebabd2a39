/**
 * A hosted session as an executor: `POST /v1/sessions/:id/remote/chunks` runs a chunk graph (the
 * executor contract of executors/executor.ts — what the conformance suite drives) on the session's own
 * executor (its share of the pool, shared with its runs), against a scratch store holding the fetch chunks the client sent, and streams the
 * executor's events back, then the report and the targets' values. Chunk graphs bypass the op builders,
 * so they are held to what is safe without them: tensor kernels only (a graph kernel would read any
 * path it is given), every elementwise expression type-checked against its inputs' metas, user
 * functions only where the server runs user code, no cycles. Closing the request aborts the run.
 */
import type { FastifyInstance } from 'fastify';
import { CycleError } from '../../../base/errors.js';
import { ChunkGraphBuilder, type ChunkGraph, type ChunkSpec } from '../../../dag/chunkGraph.js';
import type { ExecEvent } from '../../../executors/executor.js';
import { hasKernel } from '../../../kernels/index.js';
import type { TensorNode } from '../../../ops/tensor/index.js';
import { MemoryChunkStore } from '../../../store/chunkStore.js';
import { malformed, WireError } from '../../wire/errors.js';
import { checkExpr } from '../../wire/rebuildTensor.js';
import type { ServerContext } from '../context.js';
import { remoteHandler, RunAnswer } from './remote.js';
import { frameRoute } from './remoteSchemas.js';
import { clientError, type RemoteHosts } from './remoteHost.js';

/** Params fields that hold user function sources, per tensor kernel. */
const USER_CODE_FIELDS = ['fns', 'fn'];

function checkSpec(spec: unknown, i: number, allowUserCode: boolean, metaOf: (key: string) => unknown): ChunkSpec {
  const s = spec as ChunkSpec;
  const where = `chunk ${i}`;
  if (typeof s !== 'object' || s === null || typeof s.key !== 'string' || !Array.isArray(s.inputs) || !s.inputs.every((k) => typeof k === 'string')) {
    throw malformed(`${where} must be {key, kernel, params, inputs: [keys], meta}.`);
  }
  if (s.kernel === null) return { key: s.key, kernel: null, params: null, inputs: [], meta: s.meta };
  if (typeof s.kernel !== 'string' || !s.kernel.startsWith('tensor.') || !hasKernel(s.kernel)) {
    throw new WireError('UnknownOp', `${where} (${s.key}): '${String(s.kernel)}' is not a tensor kernel this server runs for a chunk graph.`);
  }
  const params = (s.params ?? {}) as Record<string, unknown>;
  if (typeof params !== 'object') throw malformed(`${where}: params must be an object.`);
  if (!allowUserCode && USER_CODE_FIELDS.some((f) => params[f] !== undefined)) {
    throw new WireError('UserCodeRefused', `${where} (${s.key}): this server runs no user functions (it was started with --no-user-code).`);
  }
  if (params['expr'] !== undefined) {
    const inputs = s.inputs.map((k) => ({ meta: metaOf(k) }) as unknown as TensorNode);
    if (inputs.some((x) => typeof x.meta !== 'object' || x.meta === null)) throw malformed(`${where}: its expression reads an input with no meta.`);
    const fns = Array.isArray(params['fns']) ? params['fns'].length : 0;
    checkExpr(params['expr'], inputs, fns, `${where} (${s.key})`);
  }
  return s;
}

/** The graph; a fetch chunk sent with no meta is described by its value (an expression reads its dtype). */
function buildGraph(chunks: unknown, fetched: Readonly<Record<string, unknown>>, allowUserCode: boolean): ChunkGraph {
  if (!Array.isArray(chunks)) throw malformed('chunks must be a list.');
  const metas = new Map<string, unknown>();
  for (const c of chunks) {
    if (typeof c !== 'object' || c === null) continue;
    const { key, meta, kernel } = c as ChunkSpec;
    const value = kernel === null && typeof key === 'string' && Object.hasOwn(fetched, key) ? (fetched[key] as { dtype?: unknown }) : undefined;
    metas.set(key, meta ?? (value && typeof value === 'object' ? { dtype: value.dtype } : meta));
  }
  const builder = new ChunkGraphBuilder();
  chunks.forEach((c, i) => {
    const spec = checkSpec(c, i, allowUserCode, (k) => metas.get(k));
    if (builder.has(spec.key)) throw malformed(`chunk ${spec.key} is sent twice.`);
    for (const k of spec.inputs) if (!metas.has(k)) throw malformed(`chunk ${spec.key} reads ${k}, which is not in the graph.`);
    if (spec.kernel === null) builder.addFetch(spec.key, spec.meta);
    else builder.add(spec);
  });
  const graph = builder.build();
  refuseCycles(graph);
  return graph;
}

/** Kahn's count: chunks left over after every removable one was removed lie on a cycle. */
function refuseCycles(g: ChunkGraph): void {
  const pending = new Int32Array(g.size);
  const ready: number[] = [];
  for (let i = 0; i < g.size; i++) if ((pending[i] = g.depStart[i + 1]! - g.depStart[i]!) === 0) ready.push(i);
  let removed = 0;
  while (ready.length > 0) {
    const i = ready.pop()!;
    removed++;
    for (const c of g.consumersOf(i)) {
      pending[c] = pending[c]! - 1;
      if (pending[c] === 0) ready.push(c);
    }
  }
  if (removed === g.size) return;
  const stuck = [...g.keys.keys()].filter((i) => pending[i]! > 0).map((i) => g.keys[i]!);
  throw new CycleError(stuck.slice(0, 8));
}

export async function remoteChunkRoutes(app: FastifyInstance, ctx: ServerContext, hosts: RemoteHosts): Promise<void> {
  app.post(
    '/v1/sessions/:id/remote/chunks',
    frameRoute('Run a chunk graph', 'Runs `chunks` (tensor kernels; fetch chunks with their values in `fetched`) for `targets` (indices), streaming executor events.', 'a stream of frames'),
    remoteHandler(ctx, hosts, async (r, reply) => {
      const fetched = (r.body['fetched'] ?? {}) as Record<string, unknown>;
      if (typeof fetched !== 'object' || fetched === null) throw malformed('fetched must be an object of chunk values.');
      const graph = buildGraph(r.body['chunks'], fetched, ctx.options.allowUserCode);
      const targets = r.body['targets'];
      if (!Array.isArray(targets) || !targets.every((t) => Number.isInteger(t) && t >= 0 && t < graph.size)) throw malformed('targets must be chunk indices.');
      const store = new MemoryChunkStore();
      for (let i = 0; i < graph.size; i++) {
        if (!graph.isFetch(i)) continue;
        const key = graph.keys[i]!;
        if (!Object.hasOwn(fetched, key)) throw malformed(`fetch chunk ${key} was sent without its value.`);
        store.put(key, fetched[key]);
      }
      const abort = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      const answer = new RunAnswer(reply, 0);
      const events = r.body['events'] === true;
      const onEvent = (e: ExecEvent): void => {
        if (events) answer.write({ type: 'event', event: e.type === 'failed' ? { type: 'failed', index: e.index, error: clientError(e.error) } : e });
      };
      const memoryLimit = r.body['memoryLimit'];
      // On the session's own executor: a lane of its own here would double its share of the pool.
      r.engine
        .runChunkGraph(graph, store, {
          targets: targets as number[],
          signal: abort.signal,
          onEvent,
          continueOnError: r.body['continueOnError'] === true,
          ...(typeof memoryLimit === 'number' ? { memoryLimit } : {}),
        })
        .then(
          (report) => {
            const values = Object.fromEntries((targets as number[]).filter((t) => store.has(graph.keys[t]!)).map((t) => [graph.keys[t]!, store.get(graph.keys[t]!)]));
            const failures = report.failures.map((f) => ({ index: f.index, key: f.key, error: clientError(f.error) }));
            return { type: 'done', report: { ...report, failures, blockedBy: [...report.blockedBy] }, values };
          },
          (e: unknown) => ({ type: 'done', failure: clientError(e) }),
        )
        .then((done) => {
          try {
            answer.finish(done);
          } catch (e) {
            answer.finish({ type: 'done', failure: clientError(e) });
          }
        });
      return reply;
    }),
  );
}
