/**
 * Tessera's public surface: sessions, the tensor and graph namespaces, handles, errors, options and the
 * object store's ids, metadata and errors (Vineyard's names).
 */
import './ops/index.js';

export * as tensor from './api/tensorNs.js';
export * as graph from './api/graphNs.js';
export * as dataframe from './api/dataframeNs.js';
export { Graph, Context, Result, type GraphSummary, type SelectedArray } from './api/graph.js';
export { Tensor } from './api/tensor.js';
export { DataFrame, type BatchOptions } from './api/dataframe.js';
export { Series, type SeriesLike } from './api/series.js';
export { Handle, type ExecuteOptions, type FetchOptions } from './api/handle.js';
export { getDefaultSession, withSession, Session, type SessionLike, type SessionOptions, type SessionInfo, type ProgressEvent, type RunStats, type ChunkRunEvent } from './session/index.js';
export {
  newSession, RemoteSession, RemoteStore, RemoteError, RemoteSessionLostError, ServerUnreachableError, type RemoteSessionOptions, type RemoteGetNameOptions,
} from './service/client/index.js';
export { WireError, type WireErrorCode } from './service/wire/errors.js';
export { NdArray } from './base/ndarray.js';
export { DTYPES, type DType } from './base/dtypes.js';
export * from './base/errors.js';
export { ListenerError, KernelOutputError, ExecutorError } from './base/runErrors.js';
export { ObjectID } from './store/objectIdCallable.js';
export type { ObjectMeta, JsonValue } from './store/objectMeta.js';
export type {
  ObjectStore, StoreStatus, PutOptions, DeleteOptions, DeleteReport, ListOptions, GetNameOptions, IdLike,
} from './store/objectStore.js';
export {
  StoreError, ObjectNotExistsError, ObjectExistsError, InvalidError, AssertionFailedError, UserInputError,
  NotEnoughMemoryError, ObjectSealedError, GlobalObjectInvalidError, MetaTreeInvalidError, StoreTypeError, SpillError,
  type StoreErrorCode,
} from './store/errors.js';
export { setOption, getOption, type ProcessOptions, type OptionName, type OptionInput, type LogLevel } from './base/processOptions.js';
export {
  GraphFormatError, MissingColumnError, VertexNotFoundError, NegativeWeightError, EmptyGraphError, GraphTooLargeError,
  DatasetPathError, OutputFileError,
} from './graph/errors.js';
export { UndeclaredVertexError } from './ops/graph/endpoints.js';
export { NotSimpleGraphError } from './ops/graph/apps.js';
export { SelectorError } from './ops/graph/context.js';
