/**
 * The h2o.ai db-benchmark inputs as CSV (issue 11 §4), written by our own code from the facts of the
 * benchmark's generators (h2oai/db-benchmark _data/groupby-datagen.R and _data/join-datagen.R), into
 * bench/data/h2o/ (git-ignored). Deterministic: a fixed seed, so every run and every machine times the same
 * files (they are not R's bytes: R's RNG is not reproduced, the distributions and the layout are).
 *
 * - groupby `G1_<n>_1e2_0_0.csv`: id1,id2 'id001'..'id100'; id3 'id0000000001'.. (n/100 distinct); id4,id5
 *   int 1..100; id6 int 1..n/100; v1 int 1..5; v2 int 1..15; v3 = round(runif(0,100), 6). No NAs, random order.
 * - join `J1_<n>_NA_0_0.csv` (lhs: id1,id2,id3 int, id4,id5,id6 = 'id'+id1/2/3, v1 float) and the two
 *   right-hand sides the join questions q1–q3 use: small `J1_<n>_<n/1e6>_0_0.csv` (id1,id4,v2) and medium
 *   `J1_<n>_<n/1e3>_0_0.csv` (id1,id2,id4,id5,v2). Keys of each size m are a permutation of 1..1.1m split
 *   into common (0.9m), left-only (0.1m) and right-only (0.1m) parts, so 90% of the lhs keys match; the lhs
 *   draws from common+left with every value present at least once, the rhs from common+right (each right
 *   key once). At n < 1e7 the small side keeps 10 rows (n/1e6 would be a single row).
 *
 *   npx tsx bench/dataframe/h2oData.ts [--rows 1e7] [--force]
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR } from '../harness.js';

export const H2O_DIR = join(BENCH_DIR, 'data', 'h2o');

/** 1e7 → '1e7', 1e4 → '1e4', 10 → '1e1', 5e6 → '5e6' (db-benchmark's pretty_sci). */
export function sci(n: number): string {
  const e = Math.floor(Math.log10(n));
  return `${Math.round(n / 10 ** e)}e${e}`;
}

export interface H2oFiles {
  readonly rows: number;
  readonly groupby: string;
  readonly joinX: string;
  readonly joinSmall: string;
  readonly joinMedium: string;
}

export function h2oFiles(rows: number): H2oFiles {
  const small = smallRows(rows);
  return {
    rows,
    groupby: join(H2O_DIR, `G1_${sci(rows)}_1e2_0_0.csv`),
    joinX: join(H2O_DIR, `J1_${sci(rows)}_NA_0_0.csv`),
    joinSmall: join(H2O_DIR, `J1_${sci(rows)}_${sci(small)}_0_0.csv`),
    joinMedium: join(H2O_DIR, `J1_${sci(rows)}_${sci(rows / 1e3)}_0_0.csv`),
  };
}

const smallRows = (rows: number): number => Math.max(10, rows / 1e6);

/** sfc32: a small, fast, well-mixed 32-bit generator (the seed is fixed: the files are reproducible). */
class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d = 1;
  constructor(seed: number) {
    [this.#a, this.#b, this.#c] = [0x9e3779b9, 0x243f6a88, seed >>> 0];
    for (let i = 0; i < 15; i++) this.next();
  }
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }
  /** Uniform integer in [0, k). */
  below(k: number): number {
    return Math.floor((this.next() / 4294967296) * k);
  }
  /** round(runif(0, 100), 6) as an integer count of millionths, in [0, 1e8). */
  millionths(): number {
    return Math.floor(((this.next() * 4294967296 + this.next()) / 18446744073709551616) * 1e8);
  }
}

/** A CSV file written through one large buffer (generation speed matters a little: 0.5 GB per file). */
class CsvWriter {
  readonly #fd: number;
  readonly #buf = Buffer.allocUnsafe(1 << 23);
  #pos = 0;
  constructor(path: string, header: string) {
    this.#fd = openSync(path, 'w');
    this.ascii(`${header}\n`);
  }
  #room(n: number): void {
    if (this.#pos + n > this.#buf.length) this.flush();
  }
  flush(): void {
    let off = 0;
    while (off < this.#pos) off += writeSync(this.#fd, this.#buf, off, this.#pos - off);
    this.#pos = 0;
  }
  ascii(s: string): void {
    this.#room(s.length);
    this.#pos += this.#buf.write(s, this.#pos, 'latin1');
  }
  bytes(src: Buffer, start: number, len: number): void {
    this.#room(len);
    src.copy(this.#buf, this.#pos, start, start + len);
    this.#pos += len;
  }
  byte(b: number): void {
    this.#room(1);
    this.#buf[this.#pos++] = b;
  }
  /** A non-negative integer in decimal. */
  int(n: number): void {
    this.#room(16);
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    for (let i = this.#pos + digits - 1; i >= this.#pos; i--) {
      this.#buf[i] = 48 + (n % 10);
      n = Math.floor(n / 10);
    }
    this.#pos += digits;
  }
  /** m millionths as fwrite prints the double m/1e6: integer part, then up to 6 decimals, trailing zeros dropped. */
  fixed6(m: number): void {
    this.int(Math.floor(m / 1e6));
    let frac = m % 1e6;
    if (frac === 0) return;
    let digits = 6;
    while (frac % 10 === 0) [frac, digits] = [frac / 10, digits - 1];
    this.#room(8);
    this.#buf[this.#pos++] = 46;
    for (let i = this.#pos + digits - 1; i >= this.#pos; i--) {
      this.#buf[i] = 48 + (frac % 10);
      frac = Math.floor(frac / 10);
    }
    this.#pos += digits;
  }
  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}

/** Fixed-width labels 'id' + zero-padded 1..k, packed in one buffer for fast copying. */
function labels(k: number, width: number): Buffer {
  const b = Buffer.allocUnsafe(k * (width + 2));
  for (let i = 0; i < k; i++) b.write(`id${String(i + 1).padStart(width, '0')}`, i * (width + 2), 'latin1');
  return b;
}

function writeGroupby(path: string, n: number, rng: Rng): void {
  const k = 100;
  const nId3 = Math.max(1, Math.round(n / k));
  const small = labels(k, 3);
  const big = labels(nId3, 10);
  const w = new CsvWriter(path, 'id1,id2,id3,id4,id5,id6,v1,v2,v3');
  for (let r = 0; r < n; r++) {
    w.bytes(small, rng.below(k) * 5, 5);
    w.byte(44);
    w.bytes(small, rng.below(k) * 5, 5);
    w.byte(44);
    w.bytes(big, rng.below(nId3) * 12, 12);
    w.byte(44);
    w.int(1 + rng.below(k));
    w.byte(44);
    w.int(1 + rng.below(k));
    w.byte(44);
    w.int(1 + rng.below(nId3));
    w.byte(44);
    w.int(1 + rng.below(5));
    w.byte(44);
    w.int(1 + rng.below(15));
    w.byte(44);
    w.fixed6(rng.millionths());
    w.byte(10);
  }
  w.close();
}

function shuffle(a: Int32Array, rng: Rng): Int32Array {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

/** db-benchmark's split_xlr: a permutation of 1..1.1m cut into common, left-only and right-only keys. */
function splitKeys(m: number, rng: Rng): { left: Int32Array; right: Int32Array } {
  const x = Math.round(m * 0.9);
  const extra = m - x;
  const key = shuffle(Int32Array.from({ length: x + 2 * extra }, (_, i) => i + 1), rng);
  const left = key.slice(0, m);
  const right = new Int32Array(m);
  right.set(key.subarray(0, x));
  right.set(key.subarray(m, m + extra), x);
  return { left, right };
}

/** db-benchmark's sample_all: `size` draws from `values`, each value at least once, in random order. */
function sampleAll(values: Int32Array, size: number, rng: Rng): Int32Array {
  const out = new Int32Array(size);
  out.set(values);
  for (let i = values.length; i < size; i++) out[i] = values[rng.below(values.length)]!;
  return shuffle(out, rng);
}

/** Writes the columns of a join table; `ids` are id1.. (ints), followed by their 'id'+value labels, then `v`. */
function writeJoinTable(path: string, names: readonly string[], labelNames: readonly string[], v: string, ids: readonly Int32Array[], rng: Rng): void {
  const w = new CsvWriter(path, [...names, ...labelNames, v].join(','));
  const n = ids[0]!.length;
  for (let r = 0; r < n; r++) {
    for (const col of ids) {
      w.int(col[r]!);
      w.byte(44);
    }
    for (let c = 0; c < labelNames.length; c++) {
      w.ascii('id');
      w.int(ids[c]![r]!);
      w.byte(44);
    }
    w.fixed6(rng.millionths());
    w.byte(10);
  }
  w.close();
}

function writeJoin(files: H2oFiles, rng: Rng): void {
  const n = files.rows;
  const nSmall = smallRows(n);
  const nMedium = n / 1e3;
  const key1 = splitKeys(nSmall, rng);
  const key2 = splitKeys(nMedium, rng);
  const key3 = splitKeys(n, rng);
  const lhs = [sampleAll(key1.left, n, rng), sampleAll(key2.left, n, rng), sampleAll(key3.left, n, rng)];
  writeJoinTable(files.joinX, ['id1', 'id2', 'id3'], ['id4', 'id5', 'id6'], 'v1', lhs, rng);
  writeJoinTable(files.joinSmall, ['id1'], ['id4'], 'v2', [sampleAll(key1.right, nSmall, rng)], rng);
  const medium = [sampleAll(key1.right, nMedium, rng), sampleAll(key2.right, nMedium, rng)];
  writeJoinTable(files.joinMedium, ['id1', 'id2'], ['id4', 'id5'], 'v2', medium, rng);
}

/** Each file is written under a temporary name and renamed when complete, so a killed run leaves no half file. */
function atomically(paths: readonly string[], write: (tmp: readonly string[]) => void): void {
  const tmp = paths.map((p) => `${p}.tmp`);
  write(tmp);
  paths.forEach((p, i) => renameSync(tmp[i]!, p));
}

/** The files for `rows` rows, generated unless present (or `force`). */
export function ensureH2oData(rows: number, force = false, log: (s: string) => void = console.log): H2oFiles {
  if (!Number.isInteger(rows) || rows < 1000 || rows % 1000 !== 0) {
    throw new Error(`--rows must be a multiple of 1000 (at least 1000), got ${rows}`);
  }
  const files = h2oFiles(rows);
  mkdirSync(H2O_DIR, { recursive: true });
  if (force || !existsSync(files.groupby)) {
    const t0 = performance.now();
    atomically([files.groupby], ([tmp]) => writeGroupby(tmp!, rows, new Rng(108)));
    log(`generated ${files.groupby} (${mb(files.groupby)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (force || ![files.joinX, files.joinSmall, files.joinMedium].every((p) => existsSync(p))) {
    const t0 = performance.now();
    const paths = [files.joinX, files.joinSmall, files.joinMedium];
    atomically(paths, ([x, s, m]) => writeJoin({ ...files, joinX: x!, joinSmall: s!, joinMedium: m! }, new Rng(109)));
    log(`generated ${paths.map((p) => `${p} (${mb(p)} MB)`).join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return files;
}

const mb = (p: string): string => (statSync(p).size / 1e6).toFixed(0);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--rows');
  ensureH2oData(at >= 0 ? Number(args[at + 1]) : 1e7, args.includes('--force'));
}
