/**
 * Glue the property tests share: a generated case as a chunked tensor, as a reference array, and one
 * lazy session on the local executor per test file (closed after the file).
 */
import { afterAll, beforeAll } from 'vitest';
import { newSession, type Session, tensor as tt, type Tensor } from '../../src/index.js';
import type { NdArray } from '../../src/base/ndarray.js';
import type { TensorCase } from './arbitraries.js';
import * as R from './reference.js';

export const build = (c: TensorCase): Tensor => tt.array(Float64Array.from(c.data), { shape: c.shape, chunkSize: c.chunks });
export const refOf = (c: TensorCase): R.Ref => R.ref(c.shape, c.data);

/** Opens a local lazy session for the calling test file; `run` fetches through it. */
export function localSession(): { readonly run: (t: Tensor) => Promise<NdArray>; readonly session: () => Session } {
  let sess: Session;
  beforeAll(() => {
    sess = newSession({ mode: 'lazy', executor: 'local' });
  });
  afterAll(() => sess.close());
  return { run: async (t) => (await sess.run(t)) as NdArray, session: () => sess };
}
