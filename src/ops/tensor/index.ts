/** The tensor op family: builders (meta + validation at build time) and their tiling, registered on import. */
export * from './creation.js';
export * from './elementwise.js';
export * from './chain.js';
export * from './fuse.js';
export * from './matmul.js';
export * from './tensordot.js';
export * from './meta.js';
export * from './rechunk.js';
export * from './reduction.js';
export * from './shapeOps.js';
export * from './slicing.js';
export * from './assemble.js';
export * from './userReduce.js';
