/**
 * Which sessions a list or a bulk delete means (Skaha's FetchRequest and destroy_with, §B.2/§B.4):
 * `kind` and `status` are matched case-insensitively and an unknown value is refused rather than
 * matching nothing; `prefix` is a case-sensitive name prefix. A bulk delete may name `match` instead, a
 * regex searched anywhere in the name (canfar's `re.search`; `^` anchors it), which runs on the
 * linear-time matcher of linearRegex.ts so no pattern can hold up the server; one it cannot run there,
 * or that does not compile, is a 400 naming `match`. `prefix` and `match` together are a 400 too: two
 * selectors of one name would leave the client guessing whether they combine by "and" or "or". A bulk
 * delete needs at least one of kind, status, prefix, match — never all sessions at once.
 */
import { show } from '../../base/show.js';
import { HttpError, ValidationError } from './httpErrors.js';
import { compileLinear, type LinearRegex } from './linearRegex.js';
import { SESSION_KINDS, SESSION_STATUSES, type SessionKind, type SessionRecord, type SessionStatus } from './registry.js';

export interface SessionFilter {
  readonly kind?: SessionKind;
  readonly status?: SessionStatus;
  readonly prefix?: string;
  readonly match?: LinearRegex;
}

export interface FilterQuery {
  readonly kind?: string;
  readonly status?: string;
  readonly prefix?: string;
  readonly match?: string;
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
    (filter.prefix === undefined || record.name.startsWith(filter.prefix)) &&
    (filter.match === undefined || filter.match.test(record.name))
  );
}

export const VIEWS = ['all', 'stats'] as const;

/** A list's `view` (Skaha's FetchRequest checks it against its literals): `all` or `stats`, any case. */
export function parseView(view: string): (typeof VIEWS)[number] {
  return oneOf('view', view, VIEWS);
}

/** The filter of a bulk delete: refused without any selector (Skaha's DeleteAction). */
export function parseDeleteSelector(query: FilterQuery): SessionFilter {
  const filter = { ...parseFilter(query), ...(query.match ? { match: nameRegex(query.match) } : {}) };
  if (filter.prefix !== undefined && filter.match !== undefined) {
    throw new ValidationError('match', 'Give prefix or match, not both: prefix is a literal name prefix, match a regex searched in the name (anchor it with ^).');
  }
  if (filter.kind === undefined && filter.status === undefined && filter.prefix === undefined && filter.match === undefined) {
    throw new HttpError(400, 'KillAllRefused', 'Cannot kill all sessions.');
  }
  return filter;
}

/** The `match` selector, compiled for the linear-time matcher, or a 400 naming it. */
function nameRegex(source: string): LinearRegex {
  const re = compileLinear(source);
  if (!('refused' in re)) return re;
  if (re.refused === 'invalid') throw new ValidationError('match', `match is not a valid regular expression: ${show(source)}.`);
  throw new ValidationError(
    'match',
    `match cannot be run in linear time, so the server does not run it (${re.why}): backreferences, lookahead, lookbehind and large counted repetitions ({n,m} past 1000) are refused. Rewrite it without them, or select with prefix.`,
  );
}
