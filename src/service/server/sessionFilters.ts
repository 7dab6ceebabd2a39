/**
 * Which sessions a list or a bulk delete means (Skaha's FetchRequest and destroy_with, §B.2/§B.4):
 * `kind` and `status` are matched case-insensitively and an unknown value is refused rather than
 * matching nothing; `prefix` is a case-sensitive name prefix. A bulk delete needs at least one of the
 * three — never all sessions at once.
 */
import { show } from '../../base/show.js';
import { HttpError, ValidationError } from './httpErrors.js';
import { SESSION_KINDS, SESSION_STATUSES, type SessionKind, type SessionRecord, type SessionStatus } from './registry.js';

export interface SessionFilter {
  readonly kind?: SessionKind;
  readonly status?: SessionStatus;
  readonly prefix?: string;
}

export interface FilterQuery {
  readonly kind?: string;
  readonly status?: string;
  readonly prefix?: string;
}

/** Older Skaha clients filter on `Succeeded`, which a Skaha server never reports; it means Completed. */
const STATUS_ALIASES: Readonly<Record<string, SessionStatus>> = { succeeded: 'Completed' };

function oneOf<T extends string>(field: string, value: string, allowed: readonly T[], aliases: Readonly<Record<string, T>> = {}): T {
  const lower = value.toLowerCase();
  const found = allowed.find((a) => a.toLowerCase() === lower) ?? aliases[lower];
  if (found === undefined) {
    throw new ValidationError(field, `${field} must be one of ${allowed.join(', ')} (any case), got ${show(value)}.`);
  }
  return found;
}

/** Empty values count as absent, as Skaha's client drops falsy parameters. */
export function parseFilter(query: FilterQuery): SessionFilter {
  return {
    ...(query.kind ? { kind: oneOf('kind', query.kind, SESSION_KINDS) } : {}),
    ...(query.status ? { status: oneOf('status', query.status, SESSION_STATUSES, STATUS_ALIASES) } : {}),
    ...(query.prefix ? { prefix: query.prefix } : {}),
  };
}

export function matchesFilter(record: SessionRecord, filter: SessionFilter): boolean {
  return (
    (filter.kind === undefined || record.kind === filter.kind) &&
    (filter.status === undefined || record.status === filter.status) &&
    (filter.prefix === undefined || record.name.startsWith(filter.prefix))
  );
}

/** The filter of a bulk delete: refused without any selector (Skaha's DeleteAction). */
export function parseDeleteSelector(query: FilterQuery): SessionFilter {
  const filter = parseFilter(query);
  if (filter.kind === undefined && filter.status === undefined && filter.prefix === undefined) {
    throw new HttpError(400, 'KillAllRefused', 'Cannot kill all sessions.');
  }
  return filter;
}
