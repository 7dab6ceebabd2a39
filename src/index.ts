/**
 * Tessera's public surface: sessions, the tensor namespace, handles, errors and options.
 */
import './ops/index.js';

export * as tensor from './api/tensorNs.js';
export * as graph from './api/graphNs.js';
export { Graph, Context, Result, type GraphSummary, type SelectedArray } from './api/graph.js';
export { Tensor } from './api/tensor.js';
export { Handle, type ExecuteOptions, type FetchOptions } from './api/handle.js';
export { newSession, getDefaultSession, withSession, Session, type SessionOptions, type SessionInfo, type ProgressEvent, type RunStats } from './session/index.js';
export { NdArray } from './base/ndarray.js';
export { DTYPES, type DType } from './base/dtypes.js';
export * from './base/errors.js';
export { setDefaultChunkBytes } from './ops/tensor/meta.js';
export { setBuildSiteCapture } from './dag/nodes.js';
