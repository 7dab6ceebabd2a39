/**
 * The data-directory guard: every file a remote client names (graph and CSV paths, headless modules,
 * output targets) resolves inside `--data-dir` or is refused. Refused are `..` segments, absolute paths
 * elsewhere, and paths that leave the directory through a symlink — checked on the real path of the
 * deepest part that exists, so an output target that does not exist yet still resolves (a dangling link
 * is refused: it exists, and writing to it would create its target wherever that is). The refusal is
 * a 403 that quotes nothing: not the path, not what it points to, not whether it exists.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { HttpError } from './httpErrors.js';

export function pathRefused(): HttpError {
  return new HttpError(
    403,
    'PathRefused',
    "The path is refused: files resolve inside the server's data directory only (no '..', no absolute path elsewhere, " +
      'no symlink leading out of it). Name the file relative to the --data-dir the server was started with.',
  );
}

function within(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Whether something is at `path` itself, not following a final link: a path realpath cannot resolve
 * may still be a dangling link, which a later open would follow to wherever it points.
 */
function entryExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The real path of the deepest existing ancestor of `path`, with the missing rest appended. */
function realPrefix(path: string): string {
  const missing: string[] = [];
  let at = path;
  for (;;) {
    try {
      return join(realpathSync(at), ...missing.reverse());
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const parent = dirname(at);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === at || entryExists(at)) throw pathRefused();
      missing.push(basename(at));
      at = parent;
    }
  }
}

/** `resolveDataPath` for `dataDir`, which must exist. */
export function dataPathGuard(dataDir: string): (path: string) => string {
  const given = resolve(dataDir);
  const root = realpathSync(given);
  return (path: string): string => {
    if (typeof path !== 'string' || path === '' || path.includes('\0')) throw pathRefused();
    if (path.split(/[/\\]/).includes('..')) throw pathRefused();
    let rel: string;
    if (isAbsolute(path)) {
      const base = within(root, path) ? root : within(given, path) ? given : undefined;
      if (base === undefined) throw pathRefused();
      rel = relative(base, path);
    } else {
      rel = path;
    }
    const real = realPrefix(join(root, rel));
    if (!within(root, real)) throw pathRefused();
    return real;
  };
}

/**
 * `text` with the data directory's own path taken out, so an error about a file inside it names the
 * file as the client did (relative to the data directory) and says nothing of where the server keeps it.
 */
export function hideDataDir(dataDir: string, text: string): string {
  const given = resolve(dataDir);
  let real = given;
  try {
    real = realpathSync(given);
  } catch {
    // A data directory that went away: its given path is all there is to hide.
  }
  let out = text;
  for (const root of [...new Set([real, given])].sort((a, b) => b.length - a.length)) {
    const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // The directory itself becomes '.'; a longer name that merely starts like it (data2/) is left alone.
    out = out.split(root + sep).join('').replace(new RegExp(`${escaped}(?![^\\s'"\`),:;])`, 'g'), '.');
  }
  return out;
}

/** The error with the data directory hidden in its message and its string fields (file, folder, path). */
export function withDataDirHidden<E>(dataDir: string, e: E): E {
  if (!(e instanceof Error)) return e;
  const fields = e as unknown as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (typeof fields[key] === 'string') fields[key] = hideDataDir(dataDir, fields[key] as string);
  e.message = hideDataDir(dataDir, e.message);
  if (e.stack) e.stack = hideDataDir(dataDir, e.stack);
  return e;
}
