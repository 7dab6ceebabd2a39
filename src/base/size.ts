/**
 * Byte sizes in Vineyard's syntax: a plain number of bytes, or a number with a decimal (`K`, `M`, `G`,
 * `T`, powers of 1000) or binary (`Ki`, `Mi`, `Gi`, `Ti`, powers of 1024) suffix, optionally followed by
 * `B` — `'2Gi'`, `'512M'`, `'64MiB'`, `1048576`.
 */
import { OptionError } from './errors.js';
import { show } from './show.js';

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  t: 1e12,
  ki: 1024,
  mi: 1024 ** 2,
  gi: 1024 ** 3,
  ti: 1024 ** 4,
};

export function parseSize(value: string | number, what = 'size'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new OptionError(`${what} must be a non-negative number of bytes, got ${value}.`);
    }
    return Math.floor(value);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?)?b?\s*$/i.exec(value);
  if (!m) {
    throw new OptionError(
      `${what} ${show(value)} is not a size: write bytes or a number with K/M/G/T (powers of 1000) or ` +
        `Ki/Mi/Gi/Ti (powers of 1024), e.g. '2Gi'.`,
    );
  }
  return Math.floor(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]!);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}
