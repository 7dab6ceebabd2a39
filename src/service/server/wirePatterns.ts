/**
 * The matchers behind the store's `list` and `names/list` over the wire. They take Vineyard's patterns
 * as the local store does (store/pattern.ts: an fnmatch glob, or a regex that must match the whole
 * string; an invalid regex matches nothing), but the pattern comes from a client and runs on the
 * server's one event loop, so its cost must be bounded:
 *
 * - It runs on V8's linear-time regex engine (the `l` flag, enabled here for this process), so a
 *   pattern such as `(a+)+b`, or a glob such as `*a*a*a*a*b`, costs at most pattern × text steps
 *   instead of exponential time. A regex that engine cannot run in linear time (backreferences,
 *   lookaround, large counted repetitions) is refused with a 400 naming `pattern`.
 * - The caller's texts are bounded (names and patterns by the route schemas, typenames at `put`), and
 *   a listing yields to the event loop between slices, so one listing never holds up other sessions.
 *
 * Without the linear engine (a Node whose V8 lacks it) regex mode is refused and a glob may hold at
 * most one `*` (backtracking then costs at most pattern × text too).
 */
import { setFlagsFromString } from 'node:v8';
import { globToRegExpSource, type Matcher } from '../../store/pattern.js';
import { malformed } from '../wire/errors.js';

/** The longest typename or name a listing matches against (names are bounded by the route schema). */
export const MAX_MATCHED_TEXT = 1024;

let linear: boolean | undefined;

/** Whether `new RegExp(source, 'l')` runs on V8's linear-time engine in this process. */
export function hasLinearEngine(): boolean {
  if (linear === undefined) {
    // The flag only makes the `l` flag available; regexes without it run as before.
    setFlagsFromString('--enable-experimental-regexp-engine');
    try {
      linear = new RegExp('a', 'l').test('a');
    } catch {
      linear = false;
    }
  }
  return linear;
}

function compiles(source: string, flags: string): RegExp | undefined {
  try {
    return new RegExp(source, flags);
  } catch {
    return undefined;
  }
}

/** Why a client's regex does not run: not a regex at all, or not one the server can bound. */
export type RegexRefusal = 'invalid' | 'unbounded';

/**
 * A client's regex compiled for the linear-time engine, or why not: `'invalid'` (it does not compile)
 * or `'unbounded'` (backreferences, lookaround, large counted repetitions, or a Node without the
 * linear engine: its cost could not be bounded). The one place client regexes are compiled.
 */
export function linearRegExp(source: string): RegExp | RegexRefusal {
  if (!compiles(source, '')) return 'invalid';
  if (!hasLinearEngine()) return 'unbounded';
  return compiles(source, 'l') ?? 'unbounded';
}

/**
 * The matcher of a client's pattern (whole-string match, as store/pattern.ts), or undefined for an
 * invalid regex (which lists nothing, as Vineyard). Throws MalformedWire for a pattern whose cost the
 * server cannot bound.
 */
export function wireMatcher(pattern: string, regex: boolean): Matcher | undefined {
  const source = `^(?:${regex ? pattern : globToRegExpSource(pattern)})$`;
  if (!hasLinearEngine()) {
    if (!compiles(source, '')) return undefined;
    if (regex) throw malformed('pattern: this server cannot run a regex in bounded time (its Node has no linear-time regex engine); list with a glob instead.');
    if ((pattern.match(/\*/g)?.length ?? 0) > 1) throw malformed('pattern: a glob may hold at most one * on this server (its Node has no linear-time regex engine).');
    const re = new RegExp(source);
    return (text) => re.test(text);
  }
  const re = linearRegExp(source);
  if (re === 'invalid') return undefined;
  if (re === 'unbounded') {
    throw malformed(
      'pattern: this regex cannot be matched in linear time, so the server does not run it: backreferences, lookahead, lookbehind and large counted repetitions ({n,m}) are refused. Rewrite it without them, or list with a glob.',
    );
  }
  return (text) => re.test(text);
}

/** How long a listing runs before it lets other requests in. */
const SLICE_MS = 10;

/** The first `limit` items that `keep` accepts, in order; yields to the event loop every SLICE_MS. */
export async function filterYielding<T>(items: Iterable<T>, keep: (item: T) => boolean, limit: number): Promise<T[]> {
  const out: T[] = [];
  let sliceStart = performance.now();
  for (const item of items) {
    if (out.length >= limit) break;
    if (keep(item)) out.push(item);
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return out;
}
