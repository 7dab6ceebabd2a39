/**
 * The server's registry of hosted sessions: one immer state, changed only through `update`, which
 * produces the change with patches and hands them to every subscriber (the dashboard and
 * `GET /v1/events` stream them). The state holds small metadata only — never typed arrays or tables
 * (js-stack.md §5): a session's data stays in its engine session, its logs and events in its journal.
 */
import { enablePatches, produceWithPatches, type Draft, type Patch } from 'immer';

enablePatches();

export const SESSION_KINDS = ['interactive', 'headless'] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];
/** Skaha's server statuses (reference/vineyard-skaha.md §B.1). */
export const SESSION_STATUSES = ['Pending', 'Running', 'Completed', 'Failed', 'Terminating'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Where a session's DAG work stands, for the session JSON and the dashboard. */
export interface DagProgress {
  readonly runs: number;
  readonly chunksTotal: number;
  readonly chunksDone: number;
  readonly running: boolean;
  readonly failedRuns: number;
}

export interface SessionRecord {
  readonly id: string;
  readonly name: string;
  readonly kind: SessionKind;
  /** Interactive sessions: the engine session's mode. */
  readonly mode?: 'eager' | 'lazy';
  /** A hash of the token that created it: tokens themselves never enter the state. */
  readonly owner: string;
  readonly status: SessionStatus;
  readonly startTime: string;
  readonly expiryTime: string;
  readonly workers: number;
  /** Requested memory in bytes, and as the caller wrote it (`'2Gi'`). */
  readonly memory: number;
  readonly memoryRequested: string;
  readonly memoryInUse: number;
  readonly storeObjects: number;
  readonly replica: { readonly id: number; readonly count: number };
  readonly module?: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly dag: DagProgress;
  /** Set when the session ended Failed: what failed, for info and events. */
  readonly error?: { readonly code: string; readonly message: string };
  /** Headless: the name its result is stored under once Completed. */
  readonly resultName?: string;
}

export interface RegistryState {
  readonly sessions: Readonly<Record<string, SessionRecord>>;
}

export type PatchListener = (patches: readonly Patch[], state: RegistryState) => void;

export class SessionRegistry {
  #state: RegistryState = { sessions: {} };
  readonly #listeners = new Set<PatchListener>();

  get state(): RegistryState {
    return this.#state;
  }

  get(id: string): SessionRecord | undefined {
    return this.#state.sessions[id];
  }

  /** The sessions a token's owner hash sees. */
  ownedBy(owner: string): SessionRecord[] {
    return Object.values(this.#state.sessions).filter((s) => s.owner === owner);
  }

  /** Applies `recipe` to a draft; subscribers get the patches (none when nothing changed). */
  update(recipe: (draft: Draft<RegistryState>) => void): readonly Patch[] {
    const [next, patches] = produceWithPatches(this.#state, recipe);
    if (patches.length === 0) return patches;
    this.#state = next;
    for (const listener of this.#listeners) {
      try {
        listener(patches, next);
      } catch {
        // A subscriber (a closed SSE stream, say) must never break the registry for the others.
      }
    }
    return patches;
  }

  /** Changes one session's record; a missing id is a no-op (it may have been removed meanwhile). */
  patch(id: string, recipe: (draft: Draft<SessionRecord>) => void): readonly Patch[] {
    return this.update((d) => {
      const s = d.sessions[id];
      if (s) recipe(s);
    });
  }

  add(record: SessionRecord): void {
    this.update((d) => {
      d.sessions[record.id] = record as Draft<SessionRecord>;
    });
  }

  remove(id: string): void {
    this.update((d) => {
      delete d.sessions[id];
    });
  }

  subscribe(listener: PatchListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
