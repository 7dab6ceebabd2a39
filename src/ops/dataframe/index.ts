/** The dataframe op family: node builders (importing this registers every dataframe op and the assembler). */
export { arrowSchema, fieldsOfSchema, framesToTable, frameToRecordBatch, recordBatchToFrame, tableToFrame } from './arrow.js';
export { unifyDictionaries } from './arrowUnify.js';
export { headNode, renameNode, selectNode } from './basic.js';
export { knownRows, tileChunkwise, type ChunkwiseOptions } from './chunkwise.js';
export { checkDtype, fieldOf, fieldsOfNames, frameMeta, isFrameNode, type FrameDtype, type FrameField, type FrameMeta, type FrameNode } from './meta.js';
export { type ColumnData, type ColumnsOptions, DEFAULT_CHUNK_ROWS, fromArrowNode, fromColumnsNode, fromInlineNode, fromRecordsNode, type SourceOptions } from './sources.js';
export { assignNode, dropnaNode, fillnaNode, filterNode, seriesNode } from './expr.js';
export { describeNode } from './describe.js';
export { sortValuesNode, topNNode } from './sort.js';
export { groupbyAggNode, type AggFn, type GroupbyOptions } from './groupby.js';
export { mergeNode, type JoinHow, type MergeOptions } from './merge.js';
export { dropDuplicatesNode, valueCountsNode } from './distinct.js';
export type { HashOptions } from './hashTiling.js';
export { readCsvNode, type ReadCsvOptions } from './csv.js';
export { readParquetNode, toParquetNode, type ReadParquetOptions } from './parquet.js';
export { readArrowNode, toArrowFileNode, type ReadArrowOptions } from './arrowFile.js';
export type { SinkResult } from './sinks.js';
export { frameToTensorNode, fromTensorsNode } from './tensor.js';
