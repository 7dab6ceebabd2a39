/**
 * The options objects of the graph API, key by key: what each accepts, checked when the op is built
 * (base/args.ts). Ranges follow GraphScope's meaning of each option — a round count is a non-negative
 * integer, the damping factor a probability, a tolerance positive — without its coercions.
 */
import { type Check, is, isPlainObject } from '../base/args.js';
import { isSessionLike } from '../session/index.js';

const columnRef: Check = (v) => (Number.isSafeInteger(v) && (v as number) >= 0) || (typeof v === 'string' && v !== '') ? undefined : 'a column name or a 0-based column index';

const delimiter: Check = (v) =>
  typeof v === 'string' && v.length === 1 && !'"\n\r'.includes(v) ? undefined : 'one character other than a double quote or a line break';

/** Properties by column: names, or 0-based indices for a file without a header (named by their index). */
const columnList: Check = (v) =>
  Array.isArray(v) && v.every((c) => columnRef(c) === undefined) ? undefined : 'an array of column names or 0-based column indices';

/** `{name: column}` for edge properties taken from differently named columns. */
const columnMap: Check = (v) =>
  isPlainObject(v) && Object.values(v).every((c) => columnRef(c) === undefined) ? undefined : 'an object of property name -> column name or index';

/** `{label: [properties] | null}` of a projection. */
const labelMap: Check = (v) =>
  isPlainObject(v) && Object.values(v).every((p) => p === null || is.stringList(p) === undefined)
    ? undefined
    : 'an object of label -> [property names] (or null for all of them)';

const session: Check = (v) => (isSessionLike(v) ? undefined : 'a Session (from newSession)');

export const GRAPH_OPTIONS = { directed: is.boolean, oidType: is.oneOf('int64', 'string') };
export const FILE_OPTIONS = { delimiter, header: is.boolean, comment: is.nonEmptyString };

export const LOAD_OPTIONS = {
  ...GRAPH_OPTIONS,
  ...FILE_OPTIONS,
  edges: is.anything,
  vertices: is.anything,
  ldbc: is.nonEmptyString,
  vertexLabel: is.nonEmptyString,
  edgeLabel: is.nonEmptyString,
  src: columnRef,
  dst: columnRef,
  id: columnRef,
  edgeProperties: columnList,
  vertexProperties: is.stringList,
};

export const VERTEX_OPTIONS = { ...FILE_OPTIONS, label: is.nonEmptyString, id: columnRef, properties: is.stringList };
export const EDGE_OPTIONS = {
  ...FILE_OPTIONS,
  label: is.nonEmptyString,
  src: columnRef,
  dst: columnRef,
  srcLabel: is.nonEmptyString,
  dstLabel: is.nonEmptyString,
  properties: is.either(columnList, columnMap),
};
export const PROJECT_SPEC = { vertices: is.required(labelMap), edges: is.required(labelMap) };
export const FETCH_OPTIONS = { session };
export const RANGE_OPTIONS = { vertexRange: is.anything };
export const OUTPUT_OPTIONS = { selector: is.nonEmptyString };

/** Per app: GraphScope's options, under their camelCase names. */
export const APP_OPTIONS = {
  sssp: { weight: is.nonEmptyString },
  pagerank: { delta: is.numberIn(0, 1), maxRound: is.integerFrom(0) },
  cdlp: { maxRound: is.integerFrom(0) },
  kCore: { k: is.required(is.integerFrom(0)) },
  degreeCentrality: { centralityType: is.oneOf('in', 'out', 'both') },
  hits: { tolerance: is.positiveNumber, maxRound: is.integerFrom(1), normalized: is.boolean },
};
