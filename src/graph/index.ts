/**
 * The graph library's public surface: CSR building, id mapping, parsers, algorithms (sequential entry
 * points, and the drivers and step tables the engine runs across workers), output and validation.
 */
export * from './errors.js';
export { type Offsets, sharedFloat64, sharedInt32, isShared } from './shared.js';
export {
  type Csr,
  type CsrBuildOptions,
  type EdgeList,
  type GraphCsr,
  buildGraph,
  groupGraph,
  lowerBound,
  transposeCsr,
  withInCsr,
} from './csr.js';
export { requireInCsr, simpleUndirected } from './views.js';
export { type IdColumn, type StringSpans, type VertexId, asBigIntColumn, idColumn } from './idColumns.js';
export { type IdErrorAt, type IdKind, IdMap } from './idmap.js';
export { type PropertyEntry, parseProperties } from './properties.js';
export {
  type LdbcEdgeProperty,
  type LdbcFile,
  type LdbcGraph,
  type LdbcGraphSpec,
  type ParsedEdges,
  loadLdbc,
  parseLdbcEdges,
  parseLdbcVertices,
  readLdbcSpec,
} from './ldbc.js';
export {
  type ColumnRef,
  type DelimitedEdgeOptions,
  type DelimitedOptions,
  type DelimitedVertexOptions,
  parseDelimitedEdges,
  parseDelimitedVertices,
} from './delimited.js';
export * from './parallel.js';
export { GRAPH_STEPS } from './steps.js';
export * from './bfs.js';
export * from './sssp.js';
export * from './deltaStepping.js';
export * from './pagerank.js';
export * from './wcc.js';
export * from './cdlp.js';
export * from './lcc.js';
export * from './triangles.js';
export * from './kcore.js';
export * from './degreeCentrality.js';
export * from './hits.js';
export * from './output.js';
export * from './validate.js';
