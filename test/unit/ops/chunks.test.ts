/**
 * Chunk grids at build time: `chunkSize` as an int, per axis (int, null/-1 for the whole axis, or
 * explicit extents), or automatic (about the default chunk bytes, trailing axes kept whole), and
 * every bad form rejected with `ChunkSizeError` before anything runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChunkSizeError, OptionError } from '../../../src/base/errors.js';
import { getOption, setOption } from '../../../src/base/processOptions.js';
import { fullNode, normalizeChunks } from '../../../src/ops/tensor/index.js';

const original = getOption('defaultChunkBytes');
afterEach(() => setOption('defaultChunkBytes', original));

describe('normalizeChunks', () => {
  it('an int splits every axis into full chunks then the remainder (Mars: 10 by 3 -> 3,3,3,1)', () => {
    expect(normalizeChunks([10, 4], 'float64', 3)).toEqual([[3, 3, 3, 1], [3, 1]]);
    expect(normalizeChunks([5], 'float64', 5)).toEqual([[5]]);
    expect(normalizeChunks([5], 'float64', 100)).toEqual([[5]]);
  });

  it('a zero-length axis is one empty chunk; a 0-d tensor has no axes', () => {
    expect(normalizeChunks([0, 3], 'float64', 2)).toEqual([[0], [2, 1]]);
    expect(normalizeChunks([], 'float64', 2)).toEqual([]);
    expect(normalizeChunks([0], 'float64', [[]])).toEqual([[0]]);
    expect(normalizeChunks([0], 'float64', [[0]])).toEqual([[0]]);
  });

  it('per axis: an int, null or -1 (whole axis), or explicit extents', () => {
    expect(normalizeChunks([6, 5, 4], 'float64', [4, null, -1])).toEqual([[4, 2], [5], [4]]);
    expect(normalizeChunks([6, 5], 'float64', [[1, 2, 3], 2])).toEqual([[1, 2, 3], [2, 2, 1]]);
  });

  it('automatic: trailing axes whole, leading axis split to about the default chunk bytes', () => {
    setOption('defaultChunkBytes', 8 * 100); // 100 float64 elements per chunk
    expect(normalizeChunks([50, 10], 'float64')).toEqual([[10, 10, 10, 10, 10], [10]]);
    expect(normalizeChunks([30], 'float64')).toEqual([[30]]);
    // A row bigger than a chunk: the last axis is split and every leading axis goes one at a time.
    expect(normalizeChunks([2, 250], 'float64')).toEqual([[1, 1], [100, 100, 50]]);
    // Smaller items, more of them per chunk.
    expect(normalizeChunks([1000], 'uint8')).toEqual([[800, 200]]);
  });

  it('the automatic grid always covers the shape exactly', () => {
    setOption('defaultChunkBytes', 64);
    for (const shape of [[7, 9, 3], [100], [1, 1, 1], [0, 5], [3, 0, 2]]) {
      const ns = normalizeChunks(shape, 'float64');
      expect(ns.map((s) => s.reduce((a, b) => a + b, 0))).toEqual(shape);
      for (const s of ns) for (const e of s) expect(e > 0 || s.length === 1).toBe(true);
    }
  });

  it('builders record the grid in meta.nsplits', () => {
    expect(fullNode([7, 2], 1, { chunkSize: [3, [1, 1]] }).meta.nsplits).toEqual([[3, 3, 1], [1, 1]]);
  });
});

describe('bad chunk sizes fail at build time', () => {
  const bad: [string, unknown, readonly number[]][] = [
    ['zero', 0, [4]],
    ['negative', -2, [4]],
    ['fractional', 1.5, [4]],
    ['NaN', NaN, [4]],
    ['infinite', Infinity, [4]],
    ['negative on one axis', [2, -3], [4, 4]],
    ['zero on one axis', [0, 2], [4, 4]],
    ['-2 is not "whole axis"', [-2], [4]],
    ['explicit splits summing short', [[1, 2]], [4]],
    ['explicit splits summing long', [[3, 3]], [4]],
    ['explicit splits with a negative', [[5, -1]], [4]],
    ['explicit splits with an empty chunk', [[2, 0, 2]], [4]],
    ['explicit splits not integers', [[1.5, 2.5]], [4]],
    ['too few entries', [2], [4, 4]],
    ['too many entries', [2, 2, 2], [4, 4]],
    ['not a number or array', 'big', [4]],
  ];
  it.each(bad)('%s', (_name, chunkSize, shape) => {
    const err = (() => {
      try {
        normalizeChunks(shape, 'float64', chunkSize as never);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ChunkSizeError);
    expect((err as ChunkSizeError).code).toBe('InvalidChunkSize');
  });

  it('through a builder too, naming the axis', () => {
    expect(() => fullNode([4, 4], 0, { chunkSize: [2, 0] })).toThrow(/axis 1/);
  });

  it('the default chunk size must be a positive integer, and a refused value leaves the option as it was', () => {
    for (const bad of [0, -5, 1.5, '0', 'lots']) {
      expect(() => setOption('defaultChunkBytes', bad)).toThrow(OptionError);
    }
    expect(getOption('defaultChunkBytes')).toBe(original);
  });
});
