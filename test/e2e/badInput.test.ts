/**
 * Bad input tried from outside, as a user writes it: each form is refused with a typed error that names
 * the problem — at build time where the builder can tell — and documented forms keep working, on both
 * executors wherever something runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChunkSizeError, InvalidArgumentError, type NdArray, newSession, OptionError, type Session, UnknownOptionError, SliceError, tensor as tt, TesseraError, NotEnoughMemoryError,
  UserFunctionError,
} from '../../src/index.js';
import { rejection } from '../support/rejection.js';

type Kind = 'local' | 'threads';
const KINDS: readonly Kind[] = ['local', 'threads'];
const sessions = {} as Record<Kind, Session>;
beforeAll(() => {
  sessions.local = newSession({ mode: 'lazy', executor: 'local', default: false });
  sessions.threads = newSession({ mode: 'lazy', executor: 'threads', workers: 2, default: false });
});
afterAll(async () => {
  await Promise.all(KINDS.map((k) => sessions[k].close()));
});

/** The error `fn` throws (failing the test when it throws nothing). */
function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}
const values = (a: unknown): number[] => Array.from((a as NdArray).data);

describe('slice: only documented index forms', () => {
  const a = tt.arange(6).reshape(2, 3);

  it.each([
    ['an array of integers', [0, 1], /array.*spread it: t\.slice\(\.\.\.index\)/],
    ['an array of one integer', [2], /array/],
    ['an empty slice object', {}, /empty slice object.*':'/],
    ['a slice object with a misspelt key', { begin: 1 }, /unknown key 'begin'/],
    ['a tensor', tt.arange(2), /Tensor/],
    ['a boolean', true, /unsupported index true/],
  ])('refuses %s with SliceError when built', (_what, part, message) => {
    const err = thrown(() => a.slice(part as never));
    expect(err).toBeInstanceOf(SliceError);
    expect(err.code).toBe('InvalidSlice');
    expect(err.message).toMatch(message);
  });

  it('refuses non-integer slice bounds, naming the axis', () => {
    expect(thrown(() => a.slice({ start: '1' } as never)).message).toMatch(/axis 0 must be integers or null, got "1"/);
  });

  it.each(KINDS)('the documented forms still select what NumPy does (%s)', async (kind) => {
    const sess = sessions[kind];
    const cases: [ReturnType<typeof a.slice>, number[], number[]][] = [
      [a.slice(1), [3], [3, 4, 5]],
      [a.slice({ start: 1 }), [1, 3], [3, 4, 5]],
      [a.slice(null, '1:'), [2, 2], [1, 2, 4, 5]],
      [a.slice(':', { step: -1 }), [2, 3], [2, 1, 0, 5, 4, 3]],
      [a.slice('..., 0'), [2], [0, 3]],
      [a.slice(...[0, 2]), [], [2]],
      [a.slice('newaxis', 1), [1, 3], [3, 4, 5]],
    ];
    const results = (await sess.run(cases.map(([t]) => t))) as NdArray[];
    cases.forEach(([t, shape, expected], i) => {
      expect(t.shape).toEqual(shape);
      expect(values(results[i])).toEqual(expected);
    });
  });
});

describe('apply: only known unary functions', () => {
  const a = tt.arange(4);

  it.each(['constructor', 'hasOwnProperty', 'toString', 'eval', '__proto__', 'nope', ''])(
    "refuses '%s' when the op is built, listing the known names",
    (name) => {
      const err = thrown(() => a.apply(name as never));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.code).toBe('InvalidArgument');
      expect(err.message).toMatch(/is not a unary function: use one of neg, abs, sqrt, .*sin/);
    },
  );

  it('refuses a name that is not a string', () => {
    expect(thrown(() => a.apply(Math.sin as never))).toBeInstanceOf(TesseraError);
    expect(thrown(() => a.apply(null as never)).message).toMatch(/a null is not a unary function/);
  });

  it.each(KINDS)('known names still run (%s)', async (kind) => {
    const [sin, neg] = (await sessions[kind].run([a.apply('sin'), tt.abs(a.apply('neg'))])) as NdArray[];
    expect(values(sin)).toEqual([0, 1, 2, 3].map(Math.sin));
    expect(values(neg)).toEqual([0, 1, 2, 3]);
  });
});

describe.each(KINDS)('map and reduce functions must return numbers (%s)', (kind) => {
  const a = tt.arange(5, undefined, undefined, { chunkSize: 2 });

  it.each([
    ['a string', (x: number) => (x > 2 ? 'abc' : x), /returned "abc" \(a string\)/],
    ['nothing (a block body)', (x: number) => { x + 1; }, /returned undefined/],
    ['an object', (x: number) => ({ x }), /returned \{"x":\d\} \(an object\)/],
    ['null', () => null, /returned null/],
    ['a bigint', (x: number) => BigInt(x), /returned \dn \(a bigint\)/],
  ])('a map returning %s fails its run with UserFunctionError naming the function and the value', async (_what, fn, value) => {
    const sess = sessions[kind];
    for (const t of [a.map(fn as never), a.map(fn as never).sum(), a.add(1).map(fn as never).mul(2)]) {
      const err = await rejection(sess.run(t));
      expect(err).toBeInstanceOf(UserFunctionError);
      expect(err.code).toBe('InvalidUserFunction');
      expect(err.message).toMatch(/the function given to map, .*=>/);
      expect(err.message).toMatch(value);
    }
    expect(values(await sess.run(a.map((x) => x * 2)))).toEqual([0, 2, 4, 6, 8]);
  });

  it('a map returning booleans stores 1 and 0, as NumPy does', async () => {
    expect(values(await sessions[kind].run(a.map((x) => x > 2)))).toEqual([0, 0, 0, 1, 1]);
  });

  it('a reduce returning a string fails with UserFunctionError', async () => {
    const err = await rejection(sessions[kind].run(a.reduce((acc, x) => `${acc}${x}` as never)));
    expect(err).toBeInstanceOf(UserFunctionError);
    expect(err.message).toMatch(/the function given to reduce, .*returned "\d+" \(a string\)/);
  });
});

describe('a result bigger than the session can hold is refused before any work', () => {
  const tooBig = (e: unknown, nbytes: number): void => {
    expect(e).toBeInstanceOf(NotEnoughMemoryError);
    expect((e as NotEnoughMemoryError).code).toBe('NotEnoughMemory');
    expect((e as NotEnoughMemoryError).requested).toBe(nbytes);
    expect((e as NotEnoughMemoryError).memoryLimit).toBe(16 * 1024 * 1024);
    expect((e as Error).message).toMatch(/memory limit of 16\.0 MiB/);
  };

  it('when built, in an eager default session (the issue’s ones([1e12]))', async () => {
    const sess = newSession({ mode: 'eager', executor: 'local', memoryLimit: '16Mi' });
    try {
      tooBig(thrown(() => tt.ones([1e12])), 8e12);
      expect(thrown(() => tt.ones([1e12])).message).toMatch(/7\.3 TiB \(8000000000000 bytes\).*16777216 bytes.*when built in an eager session/);
      tooBig(thrown(() => tt.zeros([1000, 1000]).reshape(1e6).add(tt.ones([4, 1]))), 32e6);
      expect(values(await tt.ones([1000]).sum().fetch())).toEqual([1000]);
    } finally {
      await sess.close();
    }
  });

  it.each(KINDS)('when run, in a lazy session (%s); a larger intermediate still streams through', async (kind) => {
    const pool = kind === 'threads' ? { workers: 2 } : {};
    const sess = newSession({ mode: 'lazy', executor: kind, ...pool, memoryLimit: '16Mi', default: false });
    try {
      const big = tt.random.rand([4e6], { chunkSize: 5e5, seed: 3 });   // 32 MB
      tooBig(await rejection(sess.run(big)), 32e6);
      tooBig(await rejection(sess.run(tt.ones([1e12]))), 8e12);
      tooBig(await rejection(big.execute({ session: sess })), 32e6);
      expect(big.isExecuted({ session: sess })).toBe(false);
      const mean = ((await sess.run(big.mean())) as NdArray).item() as number;
      expect(mean).toBeGreaterThan(0.49);
      expect(mean).toBeLessThan(0.51);
    } finally {
      await sess.close();
    }
  });

  it('a spill directory does not raise the bound: a run keeps its results in memory until it ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-spill-'));
    const sess = newSession({ mode: 'lazy', executor: 'local', memoryLimit: '16Mi', spillDir: dir, default: false });
    try {
      tooBig(await rejection(sess.run(tt.ones([3e6], { chunkSize: 5e5 }))), 24e6);
      expect(values(await sess.run(tt.ones([1e6], { chunkSize: 5e5 }).sum()))).toEqual([1e6]);
    } finally {
      await sess.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('spillDir is checked when the session is created', () => {
  const script = fileURLToPath(new URL('../support/spillDirSession.ts', import.meta.url));
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'tessera-spilldir-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each([
    ['/proc/x', /on proc, a kernel filesystem/],
    ['/sys/x/y', /on sysfs, a kernel filesystem/],
  ])('refuses %s at once instead of hanging (in a child process)', (dir, why) => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, dir], { encoding: 'utf8', timeout: 60_000 });
    expect(child.signal).toBeNull();
    const outcome = JSON.parse(child.stdout) as { name: string; code: string; message: string };
    expect(outcome).toMatchObject({ name: 'OptionError', code: 'InvalidOption' });
    expect(outcome.message).toMatch(why);
    expect(outcome.message).toContain(dir);
  }, 70_000);

  it('refuses a file, and a path under a file', () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'x');
    expect(thrown(() => newSession({ spillDir: file, default: false }))).toBeInstanceOf(OptionError);
    expect(thrown(() => newSession({ spillDir: file, default: false })).message).toMatch(/is a file, not a directory/);
    expect(thrown(() => newSession({ spillDir: join(file, 'sub'), default: false })).message).toMatch(/cannot be created: .*a-file is a file/);
  });

  it('creates missing directories, leaves nothing else behind, and the session spills there', async () => {
    const dir = join(scratch, 'deep', 'er', 'spill');
    const sess = newSession({ mode: 'lazy', executor: 'local', spillDir: dir, memoryLimit: '4Mi', default: false });
    try {
      expect(existsSync(dir)).toBe(true);
      expect(readdirSync(dir)).toEqual([]);
      const parts = [1, 2, 3].map((k) => tt.full([300_000], k));          // 2.4 MB each, 7.2 MB held
      for (const t of parts) await sess.execute([t.node]);
      expect(readdirSync(dir).length).toBeGreaterThan(0);
      const sums: unknown[] = [];
      for (const t of parts) sums.push(((await sess.run(t.sum())) as NdArray).item());
      expect(sums).toEqual([300_000, 600_000, 900_000]);
    } finally {
      await sess.close();
    }
  });
});

describe('wrong argument types are typed errors, not TypeErrors from inside', () => {
  const a = tt.arange(6).reshape(2, 3);

  it.each([
    ['a.matmul(3)', () => a.matmul(3 as never), /matmul needs a Tensor, got 3/],
    ['a.dot(null)', () => a.dot(null as never), /dot needs a Tensor, got null/],
    ['a.tensordot(7)', () => a.tensordot(7 as never), /tensordot needs a Tensor, got 7/],
    ['tt.matmul(null, a)', () => tt.matmul(null as never, a), /tensor\.matmul needs a Tensor/],
    ['tt.sqrt([1, 4])', () => tt.sqrt([1, 4] as never), /tensor\.sqrt needs a Tensor, got \[1,4\]/],
    ['tt.sum(5)', () => tt.sum(5 as never), /tensor\.sum needs a Tensor/],
    ['tt.clip(undefined, 0, 1)', () => tt.clip(undefined as never, 0, 1), /tensor\.clip needs a Tensor/],
    ['tt.astype({}, "int32")', () => tt.astype({} as never, 'int32'), /tensor\.astype needs a Tensor/],
    ['tt.concatenate(null)', () => tt.concatenate(null as never), /takes an array of tensors, got null/],
    ['tt.concatenate([a, 3])', () => tt.concatenate([a, 3 as never]), /item 1\) needs a Tensor, got 3/],
    ['a.sum(null)', () => a.sum(null as never), /sum takes an options object, got null/],
    ['a.sum({ axis: {} })', () => a.sum({ axis: {} as never }), /axis must be an integer, a list of integers or null, got \{\}/],
    ['a.std({ ddof: Symbol() })', () => a.std({ ddof: Symbol('d') as never }), /ddof .* got Symbol\(d\)/],
    ['a.map(f, null)', () => a.map((x) => x, null as never), /map takes an options object/],
    ['a.transpose("x")', () => a.transpose('x' as never), /transpose axes must be an array/],
    ['tt.zeros([2n])', () => tt.zeros([2n] as never), /got \["2n"\]/],
    ['tt.zeros([2], null)', () => tt.zeros([2], null as never), /tensor\.zeros takes an options object/],
    ['tt.random.rand([2], null)', () => tt.random.rand([2], null as never), /rand takes an options object/],
    ['tt.linspace(Symbol(), 1)', () => tt.linspace(Symbol('s') as never, 1), /got Symbol\(s\) and 1/],
    ['a.astype(1n)', () => a.astype(1n as never), /Unknown dtype 1n/],
    ['a.fetch(null)', () => a.fetch(null as never), /fetch takes an options object/],
    ['a.isExecuted({ session: "s" })', () => a.isExecuted({ session: 's' as never }), /session option must be a Session/],
    ['a.release({ keepCached: "yes" })', () => a.release({ keepCached: 'yes' as never }), /keepCached must be true or false/],
  ])('%s', (_what, fn, message) => {
    const err = thrown(fn);
    expect(err).toBeInstanceOf(TesseraError);
    expect(err.message).toMatch(message);
  });

  it.each(KINDS)('execute refuses a signal or session of the wrong type, and the session still runs (%s)', async (kind) => {
    const sess = sessions[kind];
    const signal = await rejection(a.execute({ session: sess, signal: 'yes' as never }));
    expect(signal).toBeInstanceOf(InvalidArgumentError);
    expect(signal.message).toMatch(/signal option must be an AbortSignal .*got "yes"/);
    const session = await rejection(a.execute({ session: {} as never }));
    expect(session).toBeInstanceOf(InvalidArgumentError);
    expect(session.message).toMatch(/session option must be a Session/);
    expect(await rejection(a.execute(null as never))).toBeInstanceOf(InvalidArgumentError);
    await a.execute({ session: sess });
    expect(values(await a.fetch({ session: sess }))).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('options objects: unknown keys and strings for numbers are refused, naming the key', () => {
  const a = tt.arange(6).reshape(2, 3);

  it.each([
    ['tt.ones([10], { bogus: 1 })', () => tt.ones([10], { bogus: 1 } as never), 'bogus', /Known options: dtype, chunkSize/],
    ['tt.random.rand([2], { seeed: 1 })', () => tt.random.rand([2], { seeed: 1 } as never), 'seeed', /seed/],
    ['tt.linspace(0, 1, 5, { endPoint: false })', () => tt.linspace(0, 1, 5, { endPoint: false } as never), 'endPoint', /endpoint/],
    ['tt.array([1], { dype: "int32" })', () => tt.array([1], { dype: 'int32' } as never), 'dype', /shape/],
    ['a.sum({ axes: 0 })', () => a.sum({ axes: 0 } as never), 'axes', /axis, keepdims/],
    ['a.sum({ ddof: 1 }) (only var and std have ddof)', () => a.sum({ ddof: 1 }), 'ddof', /axis, keepdims\./],
    ['a.map(f, { dtyp: "int32" })', () => a.map((x) => x, { dtyp: 'int32' } as never), 'dtyp', /dtype/],
    ['a.fetch({ batchsize: 2 })', () => a.fetch({ batchsize: 2 } as never), 'batchsize', /session, batchSize/],
    ['a.release({ keep: true })', () => a.release({ keep: true } as never), 'keep', /keepCached/],
  ])('%s', (_what, fn, key, known) => {
    const err = thrown(fn) as UnknownOptionError;
    expect(err).toBeInstanceOf(UnknownOptionError);
    expect(err.code).toBe('UnknownOption');
    expect(err.keys).toEqual([key]);
    expect(err.message).toMatch(known);
  });

  it.each([
    ['chunkSize', () => tt.ones([10], { chunkSize: '100' as never }), ChunkSizeError],
    ['seed', () => tt.random.rand([2], { seed: '1' as never }), InvalidArgumentError],
    ['k', () => tt.eye(2, 2, { k: '1' as never }), InvalidArgumentError],
    ['ddof', () => a.std({ ddof: '1' as never }), InvalidArgumentError],
    ['axis', () => a.sum({ axis: '0' as never }), TesseraError],
    ['keepdims', () => a.sum({ keepdims: 'yes' as never }), InvalidArgumentError],
    ['endpoint', () => tt.linspace(0, 1, 5, { endpoint: 'no' as never }), InvalidArgumentError],
    ['batchSize', () => a.fetch({ batchSize: '2' as never }).next(), InvalidArgumentError],
  ])('a string for %s is refused, naming it', async (key, fn, cls) => {
    let err: unknown;
    try {
      await fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(cls);
    expect((err as Error).message).toContain(key);
  });

  it.each(KINDS)('an execute option with a typo is refused and nothing runs (%s)', async (kind) => {
    const t = tt.arange(3).mul(2);
    const err = await rejection(t.execute({ session: sessions[kind], sigal: new AbortController().signal } as never));
    expect(err).toBeInstanceOf(UnknownOptionError);
    expect((err as UnknownOptionError).keys).toEqual(['sigal']);
    expect(t.isExecuted({ session: sessions[kind] })).toBe(false);
  });
});

describe('newSession options', () => {
  const failure = (options: unknown): OptionError => thrown(() => newSession(options as never)) as OptionError;

  it.each([0, 1.5, -1, Number.NaN, '0', '0.5'])('memoryLimit %s is refused: a session must be able to hold a byte', (limit) => {
    const err = failure({ memoryLimit: limit, executor: 'local', default: false });
    expect(err).toBeInstanceOf(OptionError);
    expect(err.message).toMatch(/memoryLimit must be a positive integer number of bytes, a size like '2Gi', or Infinity/);
  });

  it('memoryLimit accepts bytes, size strings and Infinity', async () => {
    for (const [limit, bytes] of [[4096, 4096], ['2Gi', 2 ** 31], [Infinity, Infinity]] as const) {
      const sess = newSession({ memoryLimit: limit, mode: 'lazy', executor: 'local', default: false });
      try {
        expect(sess.config.memoryLimit).toBe(bytes);
        expect(values(await sess.run(tt.arange(4).sum()))).toEqual([6]);
      } finally {
        await sess.close();
      }
    }
  });

  it("workers with executor 'local' is an error that says why", () => {
    const err = failure({ executor: 'local', workers: 4, default: false });
    expect(err).toBeInstanceOf(OptionError);
    expect(err.message).toMatch(/workers \(4, set in the arguments\) does nothing with executor 'local'.*calling thread/);
    expect(failure({ config: { executor: 'local', workers: 2 }, default: false }).message).toMatch(/set in the config/);
  });

  it("pool names both choices when it is neither, and does nothing with executor 'local'", () => {
    const bad = failure({ pool: 'mine' as never, default: false });
    expect(bad).toBeInstanceOf(OptionError);
    expect(bad.message).toMatch(/pool must be 'shared' \(the process's one worker pool.*\) or 'private' \(a pool of `workers` threads for this session alone.*\), got "mine"/);
    expect(failure({ executor: 'local', pool: 'private', default: false }).message).toMatch(/pool \("private", set in the arguments\) does nothing with executor 'local'/);
  });

  it("a script may choose 'local' over workers set by a weaker source (a machine-wide config)", async () => {
    const sess = newSession({ config: { workers: 4 }, executor: 'local', default: false });
    try {
      expect(sess.info.executor).toBe('local');
    } finally {
      await sess.close();
    }
  });

  it('strings for numbers and non-object options are refused', () => {
    expect(failure({ workers: '2', default: false }).message).toMatch(/workers must be an integer/);
    expect(failure(null)).toBeInstanceOf(OptionError);
    expect(failure(null).message).toMatch(/newSession takes an options object, got null/);
  });
});
