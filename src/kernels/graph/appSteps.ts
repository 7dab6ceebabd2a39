/**
 * Algorithms without a parallel form (Dijkstra, k-core, degree centrality) as steps of their own, so
 * they run on a worker like every other step instead of on the thread that drives the app. Each writes
 * its per-vertex result into a shared output array the driver allocated.
 */
import type { GraphCsr } from '../../graph/csr.js';
import { degreeCentrality, type DegreeType } from '../../graph/degreeCentrality.js';
import { kCore } from '../../graph/kcore.js';
import type { StepResult, StepTable } from '../../graph/parallel.js';
import { sssp, type SsspOptions } from '../../graph/sssp.js';
import { type OriginalIds, originalText } from './values.js';

export interface WholeGraphArgs<Out> {
  readonly graph: GraphCsr;
  readonly out: Out;
}

const NONE: StepResult = [];

export const APP_STEPS: StepTable = {
  'app.sssp': (a: WholeGraphArgs<Float64Array> & { readonly source: number; readonly ids: OriginalIds; readonly options: SsspOptions }): StepResult => {
    sssp(a.graph, a.source, { ...a.options, label: (v) => originalText(a.ids, v), into: a.out });
    return NONE;
  },
  'app.kcore': (a: WholeGraphArgs<Int32Array> & { readonly k: number }): StepResult => {
    a.out.set(kCore(a.graph, a.k));
    return NONE;
  },
  'app.degree': (a: WholeGraphArgs<Float64Array> & { readonly type: DegreeType }): StepResult => {
    a.out.set(degreeCentrality(a.graph, a.type));
    return NONE;
  },
};
