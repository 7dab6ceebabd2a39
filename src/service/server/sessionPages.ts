/**
 * Pages of a session list (reference/vineyard-skaha.md §C.2: `GET /v1/sessions?limit=&cursor=` →
 * `{items, nextCursor}`). Sessions are in creation order (startTime, then id), so a new session lands
 * on the last page and one deleted meanwhile is simply not there: walking the pages never repeats a
 * session. The cursor is opaque to clients — the last listed session's place, in base64url — and a
 * cursor this server did not make is a 400 naming it.
 */
import { ValidationError } from './httpErrors.js';
import type { SessionRecord } from './registry.js';

export const PAGE_MAX = 1000;

export interface PageQuery {
  readonly limit?: string;
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Where the next page starts; null on the last page. */
  readonly nextCursor: string | null;
}

const before = (a: SessionRecord, startTime: string, id: string): boolean => a.startTime < startTime || (a.startTime === startTime && a.id <= id);

function place(cursor: string): { startTime: string; id: string } {
  const text = /^[A-Za-z0-9_-]{1,400}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\n([a-z0-9]{1,64})$/.exec(text);
  if (!m) throw new ValidationError('cursor', 'cursor is not one this server handed out: pass the nextCursor of the previous page unchanged, or leave it out for the first page.');
  return { startTime: m[1]!, id: m[2]! };
}

/** Whether the query asks for a page (then the answer is `{items, nextCursor}`, else the whole list as an array). */
export function wantsPage(query: PageQuery): boolean {
  return query.limit !== undefined || query.cursor !== undefined;
}

export function pageOf(records: readonly SessionRecord[], query: PageQuery): Page<SessionRecord> {
  const limit = query.limit === undefined ? 100 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX || !/^\d+$/.test(query.limit ?? '100')) {
    throw new ValidationError('limit', `limit must be a whole number from 1 to ${PAGE_MAX}, got '${String(query.limit).slice(0, 32)}'.`);
  }
  const sorted = [...records].sort((a, b) => (a.startTime < b.startTime ? -1 : a.startTime > b.startTime ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const from = query.cursor === undefined ? undefined : place(query.cursor);
  const rest = from ? sorted.filter((r) => !before(r, from.startTime, from.id)) : sorted;
  const items = rest.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor = rest.length > limit && last ? Buffer.from(`${last.startTime}\n${last.id}`, 'utf8').toString('base64url') : null;
  return { items, nextCursor };
}
