/**
 * SSSP's layout and hub order of a projected graph (graph/ssspLayout.ts), and BFS's in-hubs of a directed
 * one (graph/inHubs.ts), cached with the graph like the others.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import { inHubsDriver } from '../../graph/inHubs.js';
import type { Driver } from '../../graph/parallel.js';
import { hubOrderOf, ssspLayout } from '../../graph/ssspLayout.js';
import { registerDriver, registerKernel } from '../registry.js';
import type { InCsrValue } from './project.js';
import type { ProjectedGraphValue } from './values.js';

/** A directed projection's in-hubs, tagged so BFS finds them among its inputs. */
export interface InHubsValue {
  readonly kind: 'in-hubs';
  readonly hubs: Int32Array;
}

/** The projected graph with the in-hubs among `inputs` attached (unchanged when there are none). */
export function withInputInHubs(pg: ProjectedGraphValue, inputs: readonly unknown[]): ProjectedGraphValue {
  const found = inputs.find((v): v is InHubsValue => (v as Partial<InHubsValue> | undefined)?.kind === 'in-hubs');
  return found ? { ...pg, graph: { ...pg.graph, inHubs: found.hubs } } : pg;
}

registerKernel('graph.sssp_layout', (inputs) => ssspLayout((inputs[0] as ProjectedGraphValue).graph));
registerKernel('graph.hub_order', (inputs) => hubOrderOf((inputs[0] as ProjectedGraphValue).graph));

/**
 * Inputs: the projection and, for a directed one, its in-CSR (an undirected projection's rows are its
 * in-arcs); its ranges cut by in-arcs, on every worker of the gang.
 */
registerDriver('graph.in_hubs', function* (inputs, _p: object, ctx): Driver<InHubsValue> {
  const { graph } = inputs[0] as ProjectedGraphValue;
  const inCsr = (inputs[1] as InCsrValue | undefined)?.csr ?? graph.in;
  if (!inCsr) throw new InvalidArgumentError('graph.in_hubs of a directed projection needs its in-CSR as its second input.');
  return { kind: 'in-hubs', hubs: yield* inHubsDriver(inCsr, graph.out.offsets, ctx.parallelism) };
});
