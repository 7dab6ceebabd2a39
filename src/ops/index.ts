/** Every op family, registered on import. */
export * from './assemble.js';
export * from './op.js';
export * as tensorOps from './tensor/index.js';
export * as graphOps from './graph/index.js';
export * as dataframeOps from './dataframe/index.js';
