/**
 * `describe()`: pandas `DataFrame.describe()` of the numeric (int32 and float64) columns — a frame of
 * 8 rows whose first column 'stat' names the statistic (count, mean, std, min, 25%, 50%, 75%, max)
 * and then one float64 column per numeric input column. Like pandas, bool columns are left out (pandas'
 * default describes np.number columns only) and string columns too; a frame with no numeric column is
 * refused at build time (pandas would describe the strings instead).
 *
 * Tiling (exact, no approximate quantiles): per chunk, moments (`frame.describe.moments`) combined in
 * a tree of fan-in 4, and the chunk's columns sorted (`frame.describe.sorted`); the final kernel reads
 * the combined moments and selects the quantile ranks across the sorted chunks (kernels/dataframe/
 * describe.ts). The final step holds every chunk's sorted numeric columns at once — as much memory as
 * those columns of the frame.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import { show } from '../../base/show.js';
import { makeTileable, type TileableNode } from '../../dag/nodes.js';
import { chunkKey, registerOp, type TileContext, type Tiled } from '../op.js';
import { frameMeta, type FrameField, type FrameNode } from './meta.js';
import { checkFrame } from './sort.js';

/** Partial moments merged per level of the combine tree. */
export const DESCRIBE_FAN_IN = 4;
const STATS_ROWS = 8;

export function describeNode(frame: FrameNode): FrameNode {
  const f = checkFrame(frame, 'describe');
  const numeric = f.meta.fields.filter((x) => x.dtype === 'int32' || x.dtype === 'float64');
  if (numeric.length === 0) {
    throw new InvalidArgumentError(
      `describe summarises int32 and float64 columns and this frame has none (columns: ${show(f.meta.fields.map((x) => `${x.name}: ${x.dtype}`))}); ` +
        'describe string or bool columns with valueCounts or groupbyAgg(..., count/nunique) instead.',
    );
  }
  if (numeric.some((x) => x.name === 'stat')) {
    throw new InvalidArgumentError("describe names its first column 'stat' and the frame has a numeric column 'stat' too: rename it first.");
  }
  const fields: FrameField[] = [{ name: 'stat', dtype: 'string' }, ...numeric.map((x) => ({ name: x.name, dtype: 'float64' as const }))];
  return makeTileable('frame.describe', { columns: numeric.map((x) => x.name) }, [f], frameMeta(fields, STATS_ROWS));
}

function tileDescribe(node: TileableNode, ctx: TileContext): Tiled {
  const { columns } = node.params as unknown as { columns: string[] };
  const params = { columns };
  const input = ctx.input(0);
  const p = input.chunks.length;
  const add = (stage: string, index: number[], kernel: string, inputs: string[], rows: number): string =>
    ctx.add({ key: chunkKey(node.key, index, stage), kernel, params, inputs, meta: { rows } });
  let level = input.chunks.map((k, i) => add('moments', [i], 'frame.describe.moments', [k], columns.length));
  const sorted = input.chunks.map((k, i) => add('sorted', [i], 'frame.describe.sorted', [k], input.nsplits[0]?.[i] ?? Number.NaN));
  let depth = 0;
  // No chunks: the combine of no partials is the empty moments.
  while (level.length !== 1) {
    const next: string[] = [];
    for (let g = 0; g * DESCRIBE_FAN_IN < Math.max(1, level.length); g++) {
      next.push(add('combine', [depth, g], 'frame.describe.combine', level.slice(g * DESCRIBE_FAN_IN, (g + 1) * DESCRIBE_FAN_IN), columns.length));
    }
    level = next;
    depth++;
  }
  const final = ctx.add({
    key: chunkKey(node.key, [0]),
    kernel: 'frame.describe.final',
    params,
    inputs: [level[0]!, ...sorted],
    meta: { rows: STATS_ROWS },
  });
  ctx.plan(`describe: moments of ${p} chunks by a tree combine (fan-in ${DESCRIBE_FAN_IN}, ${depth} levels); exact quantiles by k-way selection over ${p} sorted chunks`);
  return { nsplits: [[STATS_ROWS]], chunks: [final] };
}

registerOp({ name: 'frame.describe', tile: tileDescribe });
