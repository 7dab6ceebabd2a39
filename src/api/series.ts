/**
 * `Series`: one column expression over one DataFrame (`d.col('a').mul(2).gt(d.col('b'))`). It builds a
 * `FrameExpr` (base/frameExpr.ts) — plain data whose dtype is decided at each step, so a type error
 * (adding a string to a number) fails at the user's line — which `filter`, `assign` and friends carry to
 * the kernels, where it compiles into one loop per chunk. Operands are Series of the same DataFrame or
 * literals; a Series of another DataFrame is refused at build time, naming both frames.
 */
import { InvalidArgumentError } from '../base/errors.js';
import type { FrameDtype, FrameField } from '../base/frame.js';
import {
  binaryExpr, castExpr, colExpr, describeExpr, fillExpr, type FrameBinaryOp, type FrameExpr, type FrameUnaryOp, isinExpr,
  type Literal, litExpr, stringExpr, unaryExpr,
} from '../base/frameExpr.js';
import { show } from '../base/show.js';
import { reprNode } from '../dag/repr.js';
import type { Vector } from 'apache-arrow';
import { checkDtype, frameToTensorNode, seriesNode } from '../ops/dataframe/index.js';
import { DataFrame } from './dataframe.js';
import type { FetchOptions } from './handle.js';
import { Tensor } from './tensor.js';

export type SeriesLike = Series | Literal;

/** `s.str.*`: string predicates and transforms. */
export interface StringMethods {
  startsWith(prefix: string): Series;
  endsWith(suffix: string): Series;
  contains(text: string): Series;
  len(): Series;
  lower(): Series;
  upper(): Series;
}

export class Series {
  /** The DataFrame whose columns the expression reads. */
  readonly frame: DataFrame;
  readonly expr: FrameExpr;
  readonly name: string;

  private constructor(frame: DataFrame, expr: FrameExpr, name: string) {
    this.frame = frame;
    this.expr = expr;
    this.name = name;
  }

  /** A column of `frame`, as `frame.col(name)` makes it. */
  static ofColumn(frame: DataFrame, field: FrameField): Series {
    return new Series(frame, colExpr(field), field.name);
  }

  get dtype(): FrameDtype {
    return this.expr.dtype;
  }

  /** The same expression under another name (the column name it gets in `assign` or a fetch). */
  alias(name: string): Series {
    if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError(`alias needs a non-empty string, got ${show(name)}.`);
    return new Series(this.frame, this.expr, name);
  }

  #operand(x: SeriesLike, op: string): FrameExpr {
    if (x instanceof Series) {
      if (x.frame.key !== this.frame.key) {
        throw new InvalidArgumentError(
          `${op}: Series ${show(this.name)} belongs to ${reprNode(this.frame.node)} and Series ${show(x.name)} to ${reprNode(x.frame.node)}; ` +
            'combine columns of one DataFrame (merge the frames first).',
        );
      }
      return x.expr;
    }
    return litExpr(x, this.expr.dtype);
  }

  #bin(op: FrameBinaryOp, other: SeriesLike): Series {
    return new Series(this.frame, binaryExpr(op, this.expr, this.#operand(other, op)), this.name);
  }
  #un(op: FrameUnaryOp): Series {
    return new Series(this.frame, unaryExpr(op, this.expr), this.name);
  }

  add(o: SeriesLike): Series { return this.#bin('add', o); }
  sub(o: SeriesLike): Series { return this.#bin('sub', o); }
  mul(o: SeriesLike): Series { return this.#bin('mul', o); }
  div(o: SeriesLike): Series { return this.#bin('div', o); }
  floordiv(o: SeriesLike): Series { return this.#bin('floordiv', o); }
  mod(o: SeriesLike): Series { return this.#bin('mod', o); }
  pow(o: SeriesLike): Series { return this.#bin('pow', o); }
  eq(o: SeriesLike): Series { return this.#bin('eq', o); }
  ne(o: SeriesLike): Series { return this.#bin('ne', o); }
  lt(o: SeriesLike): Series { return this.#bin('lt', o); }
  le(o: SeriesLike): Series { return this.#bin('le', o); }
  gt(o: SeriesLike): Series { return this.#bin('gt', o); }
  ge(o: SeriesLike): Series { return this.#bin('ge', o); }
  and(o: SeriesLike): Series { return this.#bin('and', o); }
  or(o: SeriesLike): Series { return this.#bin('or', o); }
  not(): Series { return this.#un('not'); }
  neg(): Series { return this.#un('neg'); }
  abs(): Series { return this.#un('abs'); }
  isNull(): Series { return this.#un('isNull'); }
  notNull(): Series { return this.#un('notNull'); }

  /** Whether each value is one of `values`. */
  isin(values: readonly Literal[]): Series {
    if (!Array.isArray(values)) throw new InvalidArgumentError(`isin takes an array of values, got ${show(values)}.`);
    return new Series(this.frame, isinExpr(this.expr, values), this.name);
  }
  fillna(value: Literal): Series {
    return new Series(this.frame, fillExpr(this.expr, value), this.name);
  }
  cast(dtype: FrameDtype): Series {
    return new Series(this.frame, castExpr(this.expr, checkDtype(dtype, 'cast')), this.name);
  }

  get str(): StringMethods {
    const s = (op: Parameters<typeof stringExpr>[0], arg?: string): Series => new Series(this.frame, stringExpr(op, this.expr, arg), this.name);
    return {
      startsWith: (prefix) => s('startsWith', prefix),
      endsWith: (suffix) => s('endsWith', suffix),
      contains: (text) => s('contains', text),
      len: () => s('len'),
      lower: () => s('lower'),
      upper: () => s('upper'),
    };
  }

  /** The values as a one-column DataFrame (the column named as this Series). */
  toFrame(): DataFrame {
    return new DataFrame(seriesNode(this.frame.planNode(), this.expr, this.name));
  }
  /** The values as an Arrow Vector. */
  async fetch(options?: FetchOptions): Promise<Vector> {
    const table = await this.toFrame().fetch(options);
    return table.getChildAt(0)!;
  }
  /**
   * The values as a 1-D tensor (int32, float64 or bool; a float64 null becomes NaN, and int32 or bool
   * nulls are refused when it runs). Needs the frame's row count at build time.
   */
  toTensor(): Tensor {
    return new Tensor(frameToTensorNode(this.toFrame().node));
  }

  toString(): string {
    return `Series(${this.name}: ${this.dtype} = ${describeExpr(this.expr)})`;
  }
}
