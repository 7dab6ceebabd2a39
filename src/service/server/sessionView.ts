/**
 * What a caller is shown of the registry: its records without the owner hash, any token's sessions
 * reduced to public fields under a userid label (view=all), the registry's patches
 * narrowed to its own sessions (for `GET /v1/events` and the dashboard), and its stats. Pure functions
 * over registry data.
 */
import { createHash } from 'node:crypto';
import type { Patch } from 'immer';
import { SESSION_KINDS, SESSION_STATUSES, type SessionKind, type SessionRecord, type SessionStatus } from './registry.js';
import type { RemoteWorker } from '../../executors/executor.js';
import type { Session } from '../../session/index.js';
import { isActive } from './statuses.js';

export type PublicRecord = Omit<SessionRecord, 'owner'>;

export function publicRecord(record: SessionRecord): PublicRecord {
  const { owner: _owner, ...rest } = record;
  return rest;
}

/** What `GET /v1/sessions?view=all` shows of any token's session (Skaha's view=all, B.4 #13). */
export interface PublicView {
  readonly userid: string;
  readonly kind: SessionKind;
  readonly status: SessionStatus;
  readonly startTime: string;
}

/**
 * The label other tokens see for an owner: 12 hex characters of sha256 over a fixed context and the
 * owner hash (itself sha256 of the token). Stable per token, so one user's sessions group together, but
 * it is neither the token nor the owner hash (which prefixes the token's catalog names), and no one can
 * get from it back to either.
 */
export function useridOf(owner: string): string {
  return createHash('sha256').update(`tessera-userid\0${owner}`, 'utf8').digest('hex').slice(0, 12);
}

export function publicView(record: SessionRecord): PublicView {
  return { userid: useridOf(record.owner), kind: record.kind, status: record.status, startTime: record.startTime };
}

/**
 * The patches of one registry change that concern `owner`'s sessions, records stripped of the owner.
 * `visible` is the caller's set of session ids as the stream knows them; it is kept up to date, so a
 * removal is forwarded only for a session the caller saw being added (the record is gone by then).
 */
export function patchesFor(owner: string, visible: Set<string>, patches: readonly Patch[]): Patch[] {
  const out: Patch[] = [];
  for (const p of patches) {
    if (p.path[0] !== 'sessions') continue;
    if (p.path.length === 1) {
      const all = Object.values((p.value ?? {}) as Record<string, SessionRecord>).filter((r) => r.owner === owner);
      visible.clear();
      for (const r of all) visible.add(r.id);
      out.push({ ...p, value: Object.fromEntries(all.map((r) => [r.id, publicRecord(r)])) });
      continue;
    }
    const id = String(p.path[1]);
    if (p.path.length > 2) {
      if (visible.has(id)) out.push(p);
    } else if (p.op === 'remove') {
      if (visible.delete(id)) out.push(p);
    } else if ((p.value as SessionRecord).owner === owner) {
      visible.add(id);
      out.push({ ...p, value: publicRecord(p.value as SessionRecord) });
    }
  }
  return out;
}

export interface SessionStats {
  readonly version: 1;
  readonly sessions: {
    readonly total: number;
    readonly byKind: Readonly<Record<SessionKind, number>>;
    readonly byStatus: Readonly<Record<SessionStatus, number>>;
  };
  /** Over the caller's Pending and Running sessions. */
  readonly workers: { readonly requested: number };
  readonly memory: { readonly limit: number; readonly used: number };
  readonly store: { readonly bytes: number; readonly objects: number };
}

/**
 * The distributed workers the given engine sessions saw (by their last heartbeats), each listed once:
 * id, host, pid, threads, running jobs, load, and their chunk cache (values, bytes, limit, hits, misses).
 */
export function remoteWorkersOf(sessions: readonly Session[]): RemoteWorker[] {
  const byId = new Map<string, RemoteWorker>();
  for (const s of sessions) {
    for (const w of s.info.remoteWorkers ?? []) {
      byId.set(w.id, { id: w.id, host: w.host, pid: w.pid, threads: w.threads, running: w.running, load: w.load, ...(w.cache ? { cache: { ...w.cache } } : {}) });
    }
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

export function statsOf(records: readonly SessionRecord[]): SessionStats {
  const byKind = Object.fromEntries(SESSION_KINDS.map((k) => [k, 0])) as Record<SessionKind, number>;
  const byStatus = Object.fromEntries(SESSION_STATUSES.map((s) => [s, 0])) as Record<SessionStatus, number>;
  let workers = 0;
  let limit = 0;
  let used = 0;
  let objects = 0;
  for (const r of records) {
    byKind[r.kind]++;
    byStatus[r.status]++;
    used += r.memoryInUse;
    objects += r.storeObjects;
    if (isActive(r.status)) {
      workers += r.workers;
      limit += r.memory;
    }
  }
  return {
    version: 1,
    sessions: { total: records.length, byKind, byStatus },
    workers: { requested: workers },
    memory: { limit, used },
    store: { bytes: used, objects },
  };
}
