/**
 * Reading a Graphalytics graph description (`<dir>/<name>.properties`) — small enough to read when the
 * graph node is built, so its direction and edge properties are known at the user's line and a missing
 * or malformed description fails there. The `.v`/`.e` files are read later, by the `graph.load_ldbc`
 * kernel, from the paths resolved here: the files a description names must be inside its folder, links
 * included (their real paths are checked, and the real paths are what the kernel reads).
 */
import { readFileSync, readdirSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InvalidArgumentError } from '../../base/errors.js';
import { DatasetPathError, excerpt } from '../../graph/errors.js';
import { type LdbcGraphSpec, readLdbcSpec } from '../../graph/ldbc.js';

export type { LdbcGraphSpec };

export interface LdbcDescription {
  readonly dir: string;
  readonly spec: LdbcGraphSpec;
  readonly vertexPath: string;
  readonly edgePath: string;
  /** The folder or `.properties` path as a remote client named it, for its server to describe again. */
  readonly named?: string;
}

/**
 * `guard`, on a server: maps every path read (the folder, the description, the files it names) to its
 * real path inside the data directory, or refuses it — so a description linked out of the data
 * directory is never read, and a file it names that leads out is refused as a path, quoting nothing.
 */
export function describeLdbc(dirOrProperties: string, guard?: (path: string) => string): LdbcDescription {
  const full = guard ? guard(dirOrProperties) : resolve(dirOrProperties);
  let file = full;
  if (!full.endsWith('.properties')) {
    let names: string[];
    try {
      names = readdirSync(full).filter((f) => f.endsWith('.properties'));
    } catch (e) {
      throw new InvalidArgumentError(`ldbc: cannot read the folder ${full} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
    const preferred = names.find((f) => f === `${basename(full)}.properties`) ?? (names.length === 1 ? names[0] : undefined);
    if (!preferred) {
      throw new InvalidArgumentError(`ldbc: ${full} must hold one <name>.properties graph description (found ${names.length}).`);
    }
    // A description in the folder is held to it as the files it names are (and to the guard first, as
    // they are: a server's refusal quotes nothing).
    guard?.(resolve(full, preferred));
    file = insideFolder(full, preferred, { file: full, key: 'description' });
  }
  const spec = readLdbcSpec(readFileSync(file, 'utf8'), file);
  const dir = resolve(file, '..');
  const inside = (name: string, key: string): string => {
    guard?.(resolve(dir, name));
    return insideFolder(dir, name, { file, key: `graph.${spec.name}.${key}` });
  };
  return { dir, spec, vertexPath: inside(spec.vertexFile, 'vertex-file'), edgePath: inside(spec.edgeFile, 'edge-file') };
}

function within(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * The path of a file a description names, which must stay inside the dataset's folder: checked on the
 * text first (so nothing outside is even looked at), then on the real path (a link inside the folder
 * must not lead out). A file that does not exist is left for the loader to report.
 */
function insideFolder(dir: string, name: string, named: { readonly file: string; readonly key: string }): string {
  const refuse = (problem: string) => new DatasetPathError(named.file, named.key, dir, problem);
  if (isAbsolute(name)) throw refuse(`names '${excerpt(name)}', an absolute path`);
  const full = resolve(dir, name);
  if (!within(dir, full)) throw refuse(`names '${excerpt(name)}', which leads outside the folder`);
  let real: string;
  try {
    real = realpathSync(full);
  } catch {
    return full;
  }
  if (!within(realpathSync(dir), real)) throw refuse(`names '${excerpt(name)}', a link that leads outside the folder`);
  return real;
}
