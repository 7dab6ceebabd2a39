/** SSSP's layout and hub order of a projected graph (graph/ssspLayout.ts), cached with the graph like the others. */
import { hubOrderOf, ssspLayout } from '../../graph/ssspLayout.js';
import { registerKernel } from '../registry.js';
import type { ProjectedGraphValue } from './values.js';

registerKernel('graph.sssp_layout', (inputs) => ssspLayout((inputs[0] as ProjectedGraphValue).graph));
registerKernel('graph.hub_order', (inputs) => hubOrderOf((inputs[0] as ProjectedGraphValue).graph));
