/**
 * The matchers behind the store's `list` and `names/list` over the wire. They take Vineyard's patterns
 * as the local store does (store/pattern.ts: an fnmatch glob, or a regex that must match the whole
 * string; an invalid regex matches nothing), but the pattern comes from a client and runs on the
 * server's one event loop, so its cost must be bounded:
 *
 * - It runs on a linear-time matcher (linearRegex.ts, a Thompson automaton), so a pattern such as
 *   `(a+)+b`, or a glob such as `*a*a*a*a*b`, costs at most program × text steps instead of
 *   exponential time. A regex no automaton can run (backreferences, lookaround) or one too large to
 *   bound (counted repetitions past 1000) is refused with a 400 naming `pattern`.
 * - The caller's texts are bounded (names and patterns by the route schemas, typenames at `put`), and
 *   a listing yields to the event loop between slices, so one listing never holds up other sessions.
 */
import { globToRegExpSource, type Matcher } from '../../store/pattern.js';
import { malformed } from '../wire/errors.js';
import { compileLinear } from './linearRegex.js';

/** The longest typename or name a listing matches against (names are bounded by the route schema). */
export const MAX_MATCHED_TEXT = 1024;

/**
 * The matcher of a client's pattern (whole-string match, as store/pattern.ts), or undefined for an
 * invalid regex (which lists nothing, as Vineyard). Throws MalformedWire for a pattern whose cost the
 * server cannot bound.
 */
export function wireMatcher(pattern: string, regex: boolean): Matcher | undefined {
  const compiled = compileLinear(`^(?:${regex ? pattern : globToRegExpSource(pattern)})$`);
  if (!('refused' in compiled)) return (text) => compiled.test(text);
  if (compiled.refused === 'invalid') return undefined;
  throw malformed(
    `pattern: this regex cannot be matched in linear time, so the server does not run it (${compiled.why}): backreferences, lookahead, lookbehind and large counted repetitions ({n,m} past 1000) are refused. Rewrite it without them, or list with a glob.`,
  );
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
