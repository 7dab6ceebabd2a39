/** The graph op family: property graphs, projections, apps and contexts, registered on import. */
export * from './apps.js';
export * from './build.js';
export * from './context.js';
export * from './meta.js';
export * from './persisted.js';
export * from './sources.js';
export * from './frames.js';
export * from './frameSource.js';
