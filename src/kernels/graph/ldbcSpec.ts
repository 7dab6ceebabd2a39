/**
 * Reading a Graphalytics graph description (`<dir>/<name>.properties`) — small enough to read when the
 * graph node is built, so its direction and edge properties are known at the user's line and a missing
 * or malformed description fails there. The `.v`/`.e` files are read later, by the `graph.load_ldbc`
 * kernel.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InvalidArgumentError } from '../../base/errors.js';
import { type LdbcGraphSpec, readLdbcSpec } from '../../graph/ldbc.js';

export type { LdbcGraphSpec };

export interface LdbcDescription {
  readonly dir: string;
  readonly spec: LdbcGraphSpec;
  readonly vertexPath: string;
  readonly edgePath: string;
}

export function describeLdbc(dirOrProperties: string): LdbcDescription {
  const full = resolve(dirOrProperties);
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
    file = join(full, preferred);
  }
  const spec = readLdbcSpec(readFileSync(file, 'utf8'), file);
  const dir = resolve(file, '..');
  return { dir, spec, vertexPath: join(dir, spec.vertexFile), edgePath: join(dir, spec.edgeFile) };
}
