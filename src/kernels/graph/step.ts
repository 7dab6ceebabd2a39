/**
 * The `graph.step` kernel: runs one vertex range of a graph algorithm's step request on whatever
 * thread receives it. Everything a step reads and writes is in the request's shared-memory arguments.
 */
import { lookupStep, type StepResult } from '../../graph/parallel.js';
import { GRAPH_STEPS } from '../../graph/steps.js';
import { keepShape } from '../../base/shapeKeepers.js';
import { registerKernel, STEP_KERNEL } from '../registry.js';
import { APP_STEPS } from './appSteps.js';

export interface StepParams {
  readonly step: string;
  readonly args: object;
  readonly lo: number;
  readonly hi: number;
}

registerKernel(STEP_KERNEL, (_inputs, p: StepParams): StepResult => {
  const step = lookupStep(p.step in APP_STEPS ? APP_STEPS : GRAPH_STEPS, p.step);
  // The step's optimized code depends on its arguments' map: keep one alive (base/shapeKeepers.ts).
  keepShape(p.step, p.args);
  return step(p.args, p.lo, p.hi);
});
