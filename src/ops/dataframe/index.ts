/** The dataframe op family: node builders (importing this registers every dataframe op and the assembler). */
export { arrowSchema, fieldsOfSchema, framesToTable, frameToRecordBatch, recordBatchToFrame, tableToFrame } from './arrow.js';
export { headNode, renameNode, selectNode } from './basic.js';
export { knownRows, tileChunkwise, type ChunkwiseOptions } from './chunkwise.js';
export { checkDtype, fieldOf, fieldsOfNames, frameMeta, isFrameNode, type FrameDtype, type FrameField, type FrameMeta, type FrameNode } from './meta.js';
export { type ColumnData, type ColumnsOptions, DEFAULT_CHUNK_ROWS, fromArrowNode, fromColumnsNode, fromInlineNode, fromRecordsNode, type SourceOptions } from './sources.js';
