/**
 * The status machine of a hosted session (Skaha's server statuses): `Pending → Running → Completed |
 * Failed`, and any of them → `Terminating` while it closes, after which the session is gone. A move the
 * table does not allow (a late "running" from a headless child already being stopped, say) is refused,
 * so a session never goes back.
 */
import type { SessionStatus } from './registry.js';

const NEXT: Readonly<Record<SessionStatus, readonly SessionStatus[]>> = {
  Pending: ['Running', 'Failed', 'Terminating'],
  Running: ['Completed', 'Failed', 'Terminating'],
  Completed: ['Terminating'],
  Failed: ['Terminating'],
  Terminating: [],
};

export function canMove(from: SessionStatus, to: SessionStatus): boolean {
  return NEXT[from].includes(to);
}

/** Pending or Running: what counts against `--max-sessions`, and what may be renewed. */
export function isActive(status: SessionStatus): boolean {
  return status === 'Pending' || status === 'Running';
}
