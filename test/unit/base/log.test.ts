/** The engine's messages and the `logLevel` process option: 'warn' lets all through, 'error' only errors, 'silent' none. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logEngine } from '../../../src/base/log.js';
import { setOption } from '../../../src/base/processOptions.js';

afterEach(() => {
  setOption('logLevel', 'warn');
  vi.restoreAllMocks();
});

function emittedCodes(level: 'warn' | 'error' | 'silent'): unknown[] {
  const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  setOption('logLevel', level);
  logEngine('warn', 'a warning', { code: 'TESSERA_TEST_WARN' });
  logEngine('error', 'an error', { code: 'TESSERA_TEST_ERROR', detail: 'why' });
  return spy.mock.calls.map((c) => (c[1] as { code: string }).code);
}

describe('logEngine', () => {
  it.each([
    ['warn', ['TESSERA_TEST_WARN', 'TESSERA_TEST_ERROR']],
    ['error', ['TESSERA_TEST_ERROR']],
    ['silent', []],
  ] as const)("at logLevel '%s' emits %j", (level, codes) => {
    expect(emittedCodes(level)).toEqual(codes);
  });

  it('passes the code and detail on to process warnings', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    logEngine('error', 'an error', { code: 'TESSERA_TEST_ERROR', detail: 'why' });
    expect(spy).toHaveBeenCalledWith('an error', { code: 'TESSERA_TEST_ERROR', detail: 'why' });
  });
});
