/**
 * Every range step of the graph library by name: what a worker thread loads to run any request a
 * driver yields (`GRAPH_STEPS[request.step](request.args, lo, hi)`). See parallel.ts for the contract.
 */
import { ARC_LIST_STEPS } from './arcList.js';
import { BFS_STEPS } from './bfs.js';
import { CDLP_STEPS } from './cdlp.js';
import { DELTA_STEPPING_STEPS } from './deltaStepping.js';
import { HITS_STEPS } from './hits.js';
import { GROUP_STEPS } from './parallelGroup.js';
import { ID_STEPS } from './parallelIds.js';
import { IN_HUBS_STEPS } from './inHubs.js';
import { LCC_STEPS } from './lcc.js';
import { PAGERANK_STEPS } from './pagerank.js';
import { PULL_LAYOUT_STEPS } from './pullLayoutFromOut.js';
import { PULL_ORDER_STEPS } from './pullOrder.js';
import { CSR_STEPS } from './parallelCsr.js';
import type { StepTable } from './parallel.js';
import { TRIANGLES_STEPS } from './triangles.js';
import { WCC_STEPS } from './wcc.js';
import { WCC_ARCS_STEPS } from './wccArcs.js';

export const GRAPH_STEPS: StepTable = Object.freeze({
  ...ARC_LIST_STEPS,
  ...BFS_STEPS,
  ...CDLP_STEPS,
  ...CSR_STEPS,
  ...DELTA_STEPPING_STEPS,
  ...GROUP_STEPS,
  ...HITS_STEPS,
  ...ID_STEPS,
  ...IN_HUBS_STEPS,
  ...LCC_STEPS,
  ...PAGERANK_STEPS,
  ...PULL_LAYOUT_STEPS,
  ...PULL_ORDER_STEPS,
  ...TRIANGLES_STEPS,
  ...WCC_STEPS,
  ...WCC_ARCS_STEPS,
});
