/**
 * Rebuilding tensor nodes from their wire form through the same builders a user's call goes through,
 * so a rebuilt node's params, meta and key are the ones the builder makes — never the client's word.
 * Where a builder's arguments cannot be read back from its params unambiguously (linspace's endpoint,
 * a reduction's axis spelling), the candidates are tried and the caller keeps the one whose key the
 * client claimed; any other outcome is a key mismatch. The elementwise expression is type-checked node by
 * node before it is compiled anywhere: every operator is one of the known ones and every dtype is the one
 * its operands imply, so a client cannot make a kernel read its inputs as something they are not.
 */
import { type DType, isDType, promoteTypes, typedArrayCtor } from '../../base/dtypes.js';
import { BINARY_OPS, type Expr, UNARY_OPS } from '../../base/expr.js';
import type { TileableNode } from '../../dag/nodes.js';
import { REDUCE_OPS } from '../../kernels/tensor/reduce.js';
import {
  arangeNode, binaryResultType, concatenateNode, eyeNode, ewNode, fromDataNode, fullNode, type IndexSpec, linspaceNode, makeTensor,
  matmulNode, type NormalIndex, normalizeChunks, randomNode, rechunkNode, reduceNode, reshapeNode, sliceNode, type TensorNode, transposeNode,
  unaryResultType, userReduceNode,
} from '../../ops/tensor/index.js';
import { malformed, WireError } from './errors.js';
import type { Params } from './params.js';

/** What a rebuilder gets: the node's params, its rebuilt inputs, and the session's rules. */
export interface RebuildInput {
  readonly params: Params;
  readonly inputs: readonly TileableNode[];
  readonly where: string;
  readonly allowUserCode: boolean;
  /** A client-named file path, resolved inside the server's data directory (or refused). */
  resolvePath(path: string): string;
}

/** One node, or candidates (the first whose key matches the claimed one wins). */
export type Rebuilt = TileableNode | readonly (() => TileableNode)[];
export type Rebuilder = (r: RebuildInput) => Rebuilt;

const tensorInput = (r: RebuildInput, i: number): TensorNode => {
  const x = r.inputs[i];
  if (x?.meta.type !== 'tensor') throw malformed(`${r.where}: input ${i} must be a tensor.`);
  return x as TensorNode;
};

function dtypeOf(r: RebuildInput): DType {
  const d = r.params.string('dtype');
  if (!isDType(d)) throw malformed(`${r.where}: params.dtype ${JSON.stringify(d)} is not a dtype.`);
  return d;
}

export function refuseUserCode(r: RebuildInput): void {
  if (!r.allowUserCode) {
    throw new WireError('UserCodeRefused', `${r.where}: this server runs no user functions (it was started with --no-user-code).`);
  }
}

const UNARY: ReadonlySet<string> = new Set(UNARY_OPS);
const BINARY: ReadonlySet<string> = new Set(BINARY_OPS);
const MAX_EXPR_DEPTH = 512;

/** Checks an expression against its inputs; returns it unchanged when every node is well typed. */
export function checkExpr(e: unknown, inputs: readonly TensorNode[], fnCount: number, where: string): Expr {
  const bad = (why: string): never => {
    throw malformed(`${where}: the expression ${why}.`);
  };
  const dtypeOfNode = (x: unknown, depth: number): DType => {
    if (depth > MAX_EXPR_DEPTH) bad(`is deeper than ${MAX_EXPR_DEPTH}`);
    if (typeof x !== 'object' || x === null) return bad('has a node that is not an object');
    const n = x as Record<string, unknown>;
    const dtype = n['dtype'];
    if (!isDType(dtype)) return bad(`has a node with dtype ${JSON.stringify(dtype)}`);
    const sub = (k: string): DType => dtypeOfNode(n[k], depth + 1);
    const expect = (want: DType): DType => (want === dtype ? dtype : bad(`says ${dtype} where its operands make ${want} (${String(n['t'])} ${String(n['op'] ?? '')})`));
    switch (n['t']) {
      case 'in': {
        const i = n['i'];
        if (!Number.isInteger(i) || (i as number) < 0 || (i as number) >= inputs.length) return bad(`reads input ${String(i)} of ${inputs.length}`);
        return expect(inputs[i as number]!.meta.dtype);
      }
      case 'const':
        return typeof n['v'] === 'number' ? dtype : bad('has a constant that is not a number');
      case 'un':
        if (typeof n['op'] !== 'string' || !UNARY.has(n['op'])) return bad(`uses an unknown unary op ${JSON.stringify(n['op'])}`);
        return expect(unaryResultType(n['op'] as never, sub('a')));
      case 'bin': {
        if (typeof n['op'] !== 'string' || !BINARY.has(n['op'])) return bad(`uses an unknown binary op ${JSON.stringify(n['op'])}`);
        return expect(binaryResultType(n['op'] as never, promoteTypes(sub('a'), sub('b'))));
      }
      case 'where':
        sub('c');
        return expect(promoteTypes(sub('a'), sub('b')));
      case 'cast':
        sub('a');
        return dtype;
      case 'fn': {
        const f = n['f'];
        if (!Number.isInteger(f) || (f as number) < 0 || (f as number) >= fnCount) return bad(`calls user function ${String(f)} of ${fnCount}`);
        sub('a');
        return dtype;
      }
      default:
        return bad(`has a node of unknown type ${JSON.stringify(n['t'])}`);
    }
  };
  dtypeOfNode(e, 0);
  return e as Expr;
}

/** The index arguments that make `sliceNode` produce exactly `index` again. */
function indexSpecs(index: unknown, x: TensorNode, where: string): IndexSpec[] {
  if (!Array.isArray(index)) throw malformed(`${where}: params.index must be a list.`);
  let axis = 0;
  return index.map((ix: NormalIndex) => {
    if (typeof ix !== 'object' || ix === null) throw malformed(`${where}: params.index holds a part that is not an object.`);
    if (ix.kind === 'newaxis') return 'newaxis';
    const n = x.meta.shape[axis++];
    if (n === undefined) throw malformed(`${where}: params.index has more parts than the input has axes.`);
    if (ix.kind === 'int') return ix.index;
    if (ix.kind !== 'slice' || ![ix.start, ix.step, ix.count].every(Number.isSafeInteger)) throw malformed(`${where}: params.index holds a malformed part.`);
    const stop = ix.start + ix.count * ix.step;
    if (ix.step > 0) return { start: ix.start, stop, step: ix.step };
    // A negative step: -1 as a start or stop means "before the first element", which only an
    // out-of-range start or a null stop can say (a literal -1 would count from the end).
    return { start: ix.start < 0 ? -(n + 1) : ix.start, stop: stop < 0 ? null : stop, step: ix.step };
  });
}

const chunkSizeOf = (r: RebuildInput): number[][] => r.params.splits('nsplits');

const REDUCE: ReadonlySet<string> = new Set(REDUCE_OPS);

export const TENSOR_REBUILDERS: Readonly<Record<string, Rebuilder>> = {
  'tensor.full': (r) => fullNode(r.params.ints('shape'), r.params.number('value'), { dtype: dtypeOf(r), chunkSize: chunkSizeOf(r) }),
  'tensor.arange': (r) => {
    // arange's element count comes from a float division the stop cannot be recovered from exactly, so
    // the params are checked as arange checks its arguments and the node is made from them.
    const [start, step, n] = [r.params.number('start'), r.params.number('step'), r.params.int('n')];
    const dtype = dtypeOf(r);
    arangeNode(start, start + step, step, { dtype });
    if (n < 0) throw malformed(`${r.where}: params.n must not be negative.`);
    const nsplits = normalizeChunks([n], dtype, chunkSizeOf(r));
    return makeTensor('tensor.arange', { start, step, n, dtype, nsplits }, [], { shape: [n], dtype, nsplits });
  },
  'tensor.linspace': (r) => {
    const [start, stop, num] = [r.params.number('start'), r.params.number('stop'), r.params.int('num')];
    const opts = { dtype: dtypeOf(r), chunkSize: chunkSizeOf(r) };
    return [true, false].map((endpoint) => () => linspaceNode(start, stop, num, { ...opts, endpoint }));
  },
  'tensor.eye': (r) => eyeNode(r.params.int('n'), r.params.int('m'), r.params.int('k'), { dtype: dtypeOf(r), chunkSize: chunkSizeOf(r) }),
  'tensor.random': (r) => {
    const dist = r.params.string('dist');
    if (dist !== 'uniform' && dist !== 'normal' && dist !== 'integers') throw malformed(`${r.where}: params.dist ${JSON.stringify(dist)} is not a distribution.`);
    const bounds = dist === 'integers' ? { low: r.params.int('low'), high: r.params.int('high') } : {};
    return randomNode(dist, r.params.ints('shape'), { dtype: dtypeOf(r), seed: r.params.int('seed'), chunkSize: chunkSizeOf(r), ...bounds });
  },
  'tensor.from_data': (r) => {
    const dtype = dtypeOf(r);
    const data = r.params.raw('data');
    if (!(data instanceof typedArrayCtor(dtype))) throw malformed(`${r.where}: params.data must be the ${typedArrayCtor(dtype).name} of a ${dtype} tensor.`);
    return fromDataNode(data, { shape: r.params.ints('shape'), dtype, chunkSize: chunkSizeOf(r) });
  },
  'tensor.ew': (r) => {
    const inputs = r.inputs.map((_, i) => tensorInput(r, i));
    const fns = r.params.has('fns') ? r.params.strings('fns') : undefined;
    if (fns) refuseUserCode(r);
    return ewNode(checkExpr(r.params.raw('expr'), inputs, fns?.length ?? 0, r.where), inputs, fns);
  },
  'tensor.reduce': (r) => {
    const op = r.params.string('op');
    if (!REDUCE.has(op)) throw malformed(`${r.where}: params.op ${JSON.stringify(op)} is not a reduction.`);
    const axes = r.params.ints('axes');
    const opts = { keepdims: r.params.boolean('keepdims'), ddof: r.params.int('ddof') };
    const x = tensorInput(r, 0);
    return [axes, axes[0], null].map((axis) => () => reduceNode(op as never, x, { ...opts, axis: axis as never }));
  },
  'tensor.slice': (r) => {
    const x = tensorInput(r, 0);
    return sliceNode(x, indexSpecs(r.params.raw('index'), x, r.where));
  },
  'tensor.transpose': (r) => transposeNode(tensorInput(r, 0), r.params.ints('axes')),
  'tensor.reshape': (r) => reshapeNode(tensorInput(r, 0), r.params.ints('shape')),
  'tensor.concatenate': (r) => concatenateNode(r.inputs.map((_, i) => tensorInput(r, i)), r.params.int('axis')),
  'tensor.matmul': (r) => matmulNode(tensorInput(r, 0), tensorInput(r, 1)),
  'tensor.user_reduce': (r) => {
    refuseUserCode(r);
    return userReduceNode(tensorInput(r, 0), r.params.string('fn'), r.params.optionalNumber('initial'));
  },
  'tensor.rechunk': (r) => {
    const x = tensorInput(r, 0);
    return rechunkNode(x, normalizeChunks(x.meta.shape, x.meta.dtype, r.params.splits('nsplits')));
  },
};
