/** The value of a graph or context persisted by another session, carried in its node (ops/graph/persisted.ts). */
import { registerKernel } from '../registry.js';

registerKernel('graph.persisted', (_inputs, p: { readonly value: unknown }) => p.value);
