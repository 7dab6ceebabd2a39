/**
 * Session options from every source, with DESIGN §1's precedence: explicit arguments, then the
 * `config` object or JSON file, then the file named by `TESSERA_CONFIG`. Unknown keys are rejected
 * by name (`UnknownOptionError`, with the source they came from) and bad values with `OptionError`,
 * before a session exists — so a bad option never leaves a half-made session as the default.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  getDefaultSession, newSession, OptionError, type Session, type SessionOptions, UnknownOptionError,
} from '../../src/index.js';

let dir: string;
const savedEnv = process.env.TESSERA_CONFIG;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-options-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const opened: Session[] = [];
afterEach(async () => {
  if (savedEnv === undefined) delete process.env.TESSERA_CONFIG;
  else process.env.TESSERA_CONFIG = savedEnv;
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

function json(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}
function open(options: SessionOptions): Session {
  const s = newSession({ default: false, ...options });
  opened.push(s);
  return s;
}
function failure(options: SessionOptions): Error & { code?: string; keys?: readonly string[] } {
  try {
    opened.push(newSession(options));
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected newSession to throw');
}

describe('where options come from', () => {
  it('defaults: eager, threads on every core, fused, a memory limit of half the machine memory, the default session', () => {
    delete process.env.TESSERA_CONFIG;
    const s = newSession({ executor: 'local' });
    opened.push(s);
    expect(s.config).toMatchObject({ mode: 'eager', default: true, fuse: true, memoryLimit: Math.floor(totalmem() / 2) });
    expect(s.config.workers).toBeGreaterThanOrEqual(1);
    expect(getDefaultSession()).toBe(s);
  });

  it('a config object, and a JSON file given as config', () => {
    delete process.env.TESSERA_CONFIG;
    expect(open({ config: { mode: 'lazy', executor: 'local', name: 'obj' } }).config).toMatchObject({ mode: 'lazy', name: 'obj' });
    const file = json('c.json', { mode: 'lazy', executor: 'local', name: 'file', memoryLimit: '2Ki' });
    expect(open({ config: file }).config).toMatchObject({ mode: 'lazy', name: 'file', memoryLimit: 2048 });
  });

  it('precedence: arguments over config over TESSERA_CONFIG, key by key', () => {
    process.env.TESSERA_CONFIG = json('env.json', { mode: 'lazy', executor: 'threads', name: 'env', fuse: false, workers: 3, pool: 'private' });
    expect(open({}).config).toMatchObject({ mode: 'lazy', name: 'env', fuse: false, workers: 3, pool: 'private' });
    expect(open({ pool: 'shared' }).config.pool).toBe('shared');
    const file = json('cfg.json', { name: 'cfg', workers: 5 });
    expect(open({ config: file }).config).toMatchObject({ mode: 'lazy', name: 'cfg', fuse: false, workers: 5 });
    expect(open({ config: file, name: 'arg', fuse: true }).config).toMatchObject({ name: 'arg', fuse: true, workers: 5 });
    expect(open({ config: { name: 'obj' }, workers: 2 }).config).toMatchObject({ name: 'obj', workers: 2, fuse: false });
  });

  it('an argument explicitly undefined does not override a lower source', () => {
    process.env.TESSERA_CONFIG = json('env2.json', { executor: 'local', name: 'env' });
    expect(open({ name: undefined }).config.name).toBe('env');
  });
});

describe('unknown keys are rejected by name, from every source', () => {
  it('in the arguments', () => {
    const e = failure({ executor: 'local', colour: 'red', size: 3 } as SessionOptions);
    expect(e).toBeInstanceOf(UnknownOptionError);
    expect(e.code).toBe('UnknownOption');
    expect(e.keys).toEqual(['colour', 'size']);
    expect(e.message).toContain("'colour'");
    expect(e.message).toContain("'size'");
  });

  it('in a config object, a config file and the TESSERA_CONFIG file (naming the source)', () => {
    const obj = failure({ config: { executor: 'local', wrokers: 2 } });
    expect(obj).toBeInstanceOf(UnknownOptionError);
    expect(obj.message).toContain("'wrokers'");
    const file = json('bad.json', { executor: 'local', modee: 'lazy' });
    const fromFile = failure({ config: file });
    expect(fromFile).toBeInstanceOf(UnknownOptionError);
    expect(fromFile.message).toContain("'modee'");
    expect(fromFile.message).toContain(file);
    process.env.TESSERA_CONFIG = json('badenv.json', { executor: 'local', fusion: true });
    const fromEnv = failure({});
    expect(fromEnv).toBeInstanceOf(UnknownOptionError);
    expect(fromEnv.message).toContain("'fusion'");
    expect(fromEnv.message).toContain('TESSERA_CONFIG');
  });

  it('`config` inside a config file is not an option either', () => {
    expect(failure({ config: { config: 'other.json' } })).toBeInstanceOf(UnknownOptionError);
  });

  it('no session is created or made default when the options are bad', () => {
    delete process.env.TESSERA_CONFIG;
    failure({ executor: 'local', nope: 1 } as SessionOptions);
    expect(getDefaultSession()).toBeUndefined();
  });
});

describe('bad values are OptionErrors', () => {
  it.each([
    ['mode', { mode: 'fast' }],
    ['executor', { executor: 'gpu' }],
    ['workers zero', { workers: 0 }],
    ['workers fractional', { workers: 1.5 }],
    ['workers as a string', { workers: '2' }],
    ['pool neither shared nor private', { pool: 'own' }],
    ['default not boolean', { default: 'yes' }],
    ['fuse not boolean', { fuse: 1 }],
    ['name not a string', { name: 5 }],
    ['memoryLimit not a size', { memoryLimit: true }],
  ])('%s', (_n, options) => {
    const e = failure({ executor: 'threads', ...(options as SessionOptions) });
    expect(e).toBeInstanceOf(OptionError);
    expect(e.code).toBe('InvalidOption');
  });

  it('config files that are missing, not JSON, or not an object', () => {
    expect(failure({ config: join(dir, 'missing.json') })).toBeInstanceOf(OptionError);
    expect(failure({ config: json('broken.json', '{"mode": ') })).toBeInstanceOf(OptionError);
    expect(failure({ config: json('array.json', [1, 2]) })).toBeInstanceOf(OptionError);
    expect(failure({ config: 42 as never })).toBeInstanceOf(OptionError);
  });
});
