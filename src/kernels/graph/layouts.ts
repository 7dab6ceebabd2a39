/** SSSP's layout of a projected graph (graph/ssspLayout.ts), cached with the graph like the others. */
import { ssspLayout } from '../../graph/ssspLayout.js';
import { registerKernel } from '../registry.js';
import type { ProjectedGraphValue } from './values.js';

registerKernel('graph.sssp_layout', (inputs) => ssspLayout((inputs[0] as ProjectedGraphValue).graph));
