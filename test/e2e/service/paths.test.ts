/**
 * The data-directory guard (issue 10 §5): files a client names resolve inside --data-dir only. `..`,
 * absolute paths elsewhere and symlinks that lead out are refused with a 403 that quotes nothing of the
 * path or of any file; paths inside resolve, also to files that do not exist yet (output targets).
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpError } from '../../../src/service/server/httpErrors.js';
import { dataPathGuard } from '../../../src/service/server/paths.js';
import { failOnUnhandledRejections } from '../../support/lifecycle.js';
import { TOKEN_A, api, fakeHeadless, hostedServers } from '../../support/hostedServer.js';

failOnUnhandledRejections();

const SECRET = 'the-secret-content-of-a-file-outside';
let root: string;
let data: string;
let outside: string;

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'tessera-paths-')));
  data = join(root, 'data');
  outside = join(root, 'outside');
  mkdirSync(join(data, 'graphs'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(data, 'graphs', 'edges.csv'), '0,1\n');
  writeFileSync(join(outside, 'secret.js'), `export default async () => '${SECRET}';\n`);
  symlinkSync(join(outside, 'secret.js'), join(data, 'leak.js'));
  symlinkSync(outside, join(data, 'escape'));
  symlinkSync(join(data, 'graphs'), join(data, 'alias'));
  // Dangling: they point at files that do not exist (yet), outside and inside.
  symlinkSync(join(outside, 'planted.txt'), join(data, 'dangling-out'));
  symlinkSync(join(outside, 'nowhere'), join(data, 'dangling-dir'));
  symlinkSync(join(data, 'graphs', 'planted.txt'), join(data, 'dangling-in'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function refusal(fn: () => unknown): HttpError | undefined {
  try {
    fn();
  } catch (e) {
    return e as HttpError;
  }
  return undefined;
}

describe('resolveDataPath', () => {
  it('resolves relative and absolute paths inside the data directory, and symlinks that stay inside', () => {
    const resolve = dataPathGuard(data);
    expect(resolve('graphs/edges.csv')).toBe(join(data, 'graphs', 'edges.csv'));
    expect(resolve('./graphs/edges.csv')).toBe(join(data, 'graphs', 'edges.csv'));
    expect(resolve(join(data, 'graphs', 'edges.csv'))).toBe(join(data, 'graphs', 'edges.csv'));
    expect(resolve('alias/edges.csv')).toBe(join(data, 'graphs', 'edges.csv'));
  });

  it('resolves paths that do not exist yet (output targets) inside the data directory', () => {
    const resolve = dataPathGuard(data);
    expect(resolve('out/run-1/result.arrow')).toBe(join(data, 'out', 'run-1', 'result.arrow'));
    expect(resolve('alias/new.csv')).toBe(join(data, 'graphs', 'new.csv'));
  });

  it("refuses '..', absolute paths elsewhere, symlinks out (to a file or through a directory) and empty paths", () => {
    const resolve = dataPathGuard(data);
    const refused = [
      '../outside/secret.js',
      'graphs/../../outside/secret.js',
      'graphs/../edges.csv',
      join(outside, 'secret.js'),
      '/etc/passwd',
      'leak.js',
      'escape/secret.js',
      'escape/new-file.txt',
      'dangling-out',
      join(data, 'dangling-out'),
      'dangling-dir/new.txt',
      'dangling-in',
      '',
      'a\0b',
    ];
    for (const path of refused) {
      const e = refusal(() => resolve(path));
      expect({ path, status: e?.status, code: e?.code }).toEqual({ path, status: 403, code: 'PathRefused' });
      if (path !== '') expect(e!.message).not.toContain(path);
      expect(e!.message).not.toContain(SECRET);
      expect(e!.message).not.toContain(outside);
    }
  });

  it('needs an existing data directory', () => {
    expect(() => dataPathGuard(join(root, 'missing'))).toThrow();
  });
});

describe('headless modules through the API', () => {
  const start = hostedServers();

  it('are refused with 403 PathRefused quoting nothing when outside the data directory, 400 when missing inside', async () => {
    const host = fakeHeadless();
    const server = await start({ dataDir: data }, { startHeadless: host.start });
    const a = api(server, TOKEN_A);
    for (const module of ['../outside/secret.js', join(outside, 'secret.js'), 'leak.js', 'escape/secret.js']) {
      const r = await a.post('/v1/sessions', { name: 'job', kind: 'headless', module });
      expect({ module, status: r.status, body: r.body }).toEqual({
        module,
        status: 403,
        body: { error: { code: 'PathRefused', field: 'module', message: expect.any(String) } },
      });
      expect(r.text).not.toContain('secret');
      expect(r.text).not.toContain(outside);
    }
    expect(await a.post('/v1/sessions', { name: 'job', kind: 'headless', module: 'nowhere.js' })).toMatchObject({
      status: 400,
      body: { error: { code: 'ValidationError', field: 'module' } },
    });
    expect(host.runs).toEqual([]);
    writeFileSync(join(data, 'job.mjs'), 'export default async () => 1;\n');
    expect(await a.create({ name: 'job', kind: 'headless', module: 'job.mjs' })).toHaveLength(1);
    expect(host.runs.map((r) => r.spec.modulePath)).toEqual([join(data, 'job.mjs')]);
  });
});
