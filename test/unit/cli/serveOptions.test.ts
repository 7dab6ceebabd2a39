/**
 * `tessera serve`'s command line: defaults, repeated tokens and a tokens file, --no-user-code, and
 * clear refusals (no token at all, a bad number, an unknown flag).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serveOptions } from '../../../src/cli/serve.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('serveOptions', () => {
  it('has the documented defaults', () => {
    expect(serveOptions(['--token', 'T'], '/srv/work')).toEqual({
      host: '127.0.0.1',
      port: 7077,
      tokens: ['T'],
      dataDir: '/srv/work',
      maxSessions: 256,
      danglingTimeout: 60,
      sessionTtl: 86_400,
      allowUserCode: true,
    });
  });

  it('takes every flag, repeated tokens and a tokens file (blank lines and comments skipped)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-tokens-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'tokens'), '# team tokens\nalpha\n\n  beta  \n');
    const o = serveOptions(
      ['--host', '0.0.0.0', '--port', '0', '--token', 'T1', '--token', 'T2', '--tokens', join(dir, 'tokens'), '--data-dir', 'data', '--max-sessions', '8', '--dangling-timeout', '2.5', '--session-ttl', '600', '--no-user-code'],
      '/srv',
    );
    expect(o).toEqual({
      host: '0.0.0.0',
      port: 0,
      tokens: ['T1', 'T2', 'alpha', 'beta'],
      dataDir: '/srv/data',
      maxSessions: 8,
      danglingTimeout: 2.5,
      sessionTtl: 600,
      allowUserCode: false,
    });
  });

  it('refuses to start without a token, saying how to give one', () => {
    expect(() => serveOptions([])).toThrow(/needs at least one token \(--token T or --tokens FILE\)/);
  });

  it('refuses bad numbers, unknown flags and an unreadable tokens file', () => {
    expect(() => serveOptions(['--token', 'T', '--port', 'http'])).toThrow("--port must be an integer, got 'http'.");
    expect(() => serveOptions(['--token', 'T', '--max-sessions', '1.5'])).toThrow('--max-sessions must be an integer');
    expect(() => serveOptions(['--token', 'T', '--dangling-timeout', ''])).toThrow('--dangling-timeout must be a number');
    expect(() => serveOptions(['--token', 'T', '--workers', '2'])).toThrow(/Unknown option '--workers'/);
    expect(() => serveOptions(['--tokens', '/nonexistent/tokens'])).toThrow(/cannot read the tokens file/);
  });
});
