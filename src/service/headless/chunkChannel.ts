/**
 * A headless session's `'chunks'` events, carried from its child process to the server so the dashboard
 * draws its DAG as it draws an interactive session's. The child (`forwardChunks`) turns each event into
 * plain data — a run's graph as its shape only (kernel names, input arrays, the tileable each chunk
 * belongs to), each settled chunk as its index — and sends them in batches over the comlink hooks (one
 * IPC message per batch, at most every `flushMs`, and at once when a run ends), with the store's usage.
 * The server (`ChunkFeed`) checks a batch before it believes it (the child runs a user's module, which
 * could send anything on the channel) and replays it as the events a DagTracker listens to.
 */
import { EventEmitter } from 'node:events';
import { ChunkGraph } from '../../dag/chunkGraph.js';
import type { TileableNode } from '../../dag/nodes.js';
import type { ChunkRunEvent, Session } from '../../session/session.js';
import type { ChunkSource, StoreCounts } from '../server/context.js';
import type { DagProgress } from '../server/registry.js';
import { RunTally } from '../server/runTally.js';

export type WireChunkEvent =
  | {
      readonly type: 'planned';
      readonly run: number;
      readonly kernels: readonly (string | null)[];
      readonly depStart: Int32Array;
      readonly deps: Int32Array;
      /** The distinct keys of the tileables chunks belong to, and each chunk's index in it (-1: none). */
      readonly ownerKeys: readonly string[];
      readonly ownerOf: Int32Array;
    }
  | { readonly type: 'finished' | 'failed'; readonly run: number; readonly index: number }
  | { readonly type: 'ended'; readonly run: number; readonly ok: boolean; readonly failedIndex?: number };

export interface ChunkBatch {
  readonly events: readonly WireChunkEvent[];
  readonly store: StoreCounts;
}

function planned(event: Extract<ChunkRunEvent, { type: 'planned' }>): WireChunkEvent {
  const { graph } = event;
  const keys = new Map<string, number>();
  const ownerOf = new Int32Array(graph.size);
  for (let i = 0; i < graph.size; i++) {
    const key = event.ownerOf(i)?.key;
    if (key === undefined) {
      ownerOf[i] = -1;
      continue;
    }
    let k = keys.get(key);
    if (k === undefined) keys.set(key, (k = keys.size));
    ownerOf[i] = k;
  }
  // Copies: the graph's arrays may live in shared memory, which cannot leave the process.
  return { type: 'planned', run: event.run, kernels: [...graph.kernels], depStart: graph.depStart.slice(), deps: graph.deps.slice(), ownerKeys: [...keys.keys()], ownerOf };
}

/** Forwards `session`'s chunk events to `send` in batches until the returned function is called (which sends what is left). */
export function forwardChunks(session: Session, send: (batch: ChunkBatch) => void, flushMs = 50): () => void {
  let events: WireChunkEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (events.length === 0) return;
    const status = session.closed ? undefined : session.store.status();
    const batch: ChunkBatch = { events, store: status ? { memoryUsage: status.memoryUsage, memoryLimit: status.memoryLimit, objects: status.objects } : { memoryUsage: 0, memoryLimit: 0, objects: 0 } };
    events = [];
    send(batch);
  };
  const onChunks = (event: ChunkRunEvent): void => {
    events.push(event.type === 'planned' ? planned(event) : { ...event });
    if (event.type === 'ended') flush();
    else if (timer === undefined) {
      timer = setTimeout(flush, flushMs);
      timer.unref();
    }
  };
  session.on('chunks', onChunks);
  return () => {
    session.off('chunks', onChunks);
    flush();
  };
}

/** At most this many chunks in one run's graph from a child (a bound on what the server allocates for it). */
const MAX_CHUNKS = 1 << 22;

const isIndex = (v: unknown, n: number): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < n;

/** The run's graph, if the event describes a well-formed one (inputs in range, offsets in order). */
function graphOf(e: Record<string, unknown>): { graph: ChunkGraph; ownerOf: (i: number) => TileableNode | undefined } | undefined {
  const { kernels, depStart, deps, ownerKeys, ownerOf } = e;
  if (!Array.isArray(kernels) || !kernels.every((k) => k === null || typeof k === 'string')) return undefined;
  const n = kernels.length;
  if (n > MAX_CHUNKS || !(depStart instanceof Int32Array) || !(deps instanceof Int32Array) || !(ownerOf instanceof Int32Array)) return undefined;
  if (!Array.isArray(ownerKeys) || !ownerKeys.every((k) => typeof k === 'string') || depStart.length !== n + 1 || ownerOf.length !== n) return undefined;
  if (depStart[0] !== 0 || depStart[n] !== deps.length) return undefined;
  for (let i = 0; i < n; i++) if (depStart[i + 1]! < depStart[i]! || (ownerOf[i]! !== -1 && !isIndex(ownerOf[i], ownerKeys.length))) return undefined;
  for (const d of deps) if (!isIndex(d, n)) return undefined;
  const graph = new ChunkGraph(Array.from({ length: n }, (_, i) => String(i)), kernels as (string | null)[], [], [], depStart, deps);
  // The dashboard needs only an owner's key (to group a big run's chunks by the tileable they belong to).
  const owners = (ownerKeys as string[]).map((key) => ({ key }) as TileableNode);
  return { graph, ownerOf: (i) => (ownerOf[i]! >= 0 ? owners[ownerOf[i]!] : undefined) };
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * A headless session's chunk events on the server, as a DagTracker listens to an engine session's:
 * `'chunks'` events, `'close'` when the child is done, and the store's last reported usage.
 */
export class ChunkFeed extends EventEmitter implements ChunkSource {
  #closed = false;
  #store: StoreCounts;
  /** The runs' chunk counts, as the registry record of an interactive session keeps them. */
  readonly #tally = new RunTally();
  /** The chunk count of the run the child last planned (finished and failed indices are checked against it). */
  #run: { readonly id: number; readonly size: number } | undefined;
  readonly store = { status: (): StoreCounts => this.#store };

  constructor(memoryLimit: number) {
    super();
    this.#store = { memoryUsage: 0, memoryLimit, objects: 0 };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Replays a batch from the child; a malformed batch or event is dropped, never thrown. */
  push(batch: unknown): void {
    if (this.#closed || typeof batch !== 'object' || batch === null) return;
    const { events, store } = batch as { events?: unknown; store?: unknown };
    const s = store as Partial<StoreCounts> | undefined;
    if (s && isCount(s.memoryUsage) && isCount(s.memoryLimit) && isCount(s.objects) && s.memoryLimit > 0) {
      this.#store = { memoryUsage: s.memoryUsage, memoryLimit: s.memoryLimit, objects: s.objects };
    }
    if (!Array.isArray(events)) return;
    for (const e of events) {
      const event = this.#checked(e);
      if (!event) continue;
      this.#count(event);
      try {
        this.emit('chunks', event);
      } catch {
        // A viewer's failure is the dashboard's; the feed goes on.
      }
    }
  }

  /** The runs so far, for the session's registry record. */
  progress(): DagProgress {
    return this.#tally.snapshot(this.#closed);
  }

  /** The child is done: trackers detach and keep its last run. */
  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close');
    this.removeAllListeners();
  }

  #count(event: ChunkRunEvent): void {
    if (event.type === 'planned') this.#tally.begin(event.graph.kernels.filter((k) => k !== null).length);
    else if (event.type === 'finished') this.#tally.finishedOne();
    else if (event.type === 'ended') this.#tally.end(event.ok);
  }

  #checked(e: unknown): ChunkRunEvent | undefined {
    if (typeof e !== 'object' || e === null) return undefined;
    const event = e as Record<string, unknown>;
    const run = event['run'];
    if (!Number.isSafeInteger(run)) return undefined;
    const current = this.#run;
    switch (event['type']) {
      case 'planned': {
        const g = graphOf(event);
        if (!g) return undefined;
        this.#run = { id: run as number, size: g.graph.size };
        return { type: 'planned', run: run as number, graph: g.graph, ownerOf: g.ownerOf };
      }
      case 'finished':
      case 'failed':
        if (!current || current.id !== run || !isIndex(event['index'], current.size)) return undefined;
        return { type: event['type'], run: run as number, index: event['index'] };
      case 'ended': {
        const failedIndex = event['failedIndex'];
        if (!current || current.id !== run || typeof event['ok'] !== 'boolean' || (failedIndex !== undefined && !isIndex(failedIndex, current.size))) return undefined;
        return { type: 'ended', run: run as number, ok: event['ok'], ...(failedIndex !== undefined ? { failedIndex } : {}) };
      }
      default:
        return undefined;
    }
  }
}
