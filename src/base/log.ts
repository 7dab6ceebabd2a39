/**
 * The engine's own messages (an implicit session was created, the worker pool reported trouble): they
 * go to `process.emitWarning`, so they print once on stderr and a program can listen for them, unless
 * the `logLevel` process option filters them out.
 */
import { processOptions } from './processOptions.js';

export type Severity = 'warn' | 'error';

export interface EngineMessage {
  /** A stable code, `TESSERA_…`, to filter on in a 'warning' listener. */
  readonly code: string;
  readonly detail?: string;
}

export function logEngine(severity: Severity, message: string, what: EngineMessage): void {
  const level = processOptions.logLevel;
  if (level === 'silent' || (level === 'error' && severity === 'warn')) return;
  process.emitWarning(message, { code: what.code, ...(what.detail !== undefined ? { detail: what.detail } : {}) });
}
