/**
 * What a caller sees of the registry: patches narrowed to its own sessions (a removal only for a
 * session it saw), records without the owner hash, and stats over its sessions only.
 */
import type { Patch } from 'immer';
import { describe, expect, it } from 'vitest';
import { SessionRegistry } from '../../../src/service/server/registry.js';
import { patchesFor, publicRecord, publicView, statsOf, useridOf } from '../../../src/service/server/sessionView.js';
import { record } from '../../support/sessionRecords.js';

describe('patchesFor', () => {
  it("forwards the owner's adds, changes and removes, without the owner hash, and nothing of another owner", () => {
    const registry = new SessionRegistry();
    const seen: Patch[][] = [];
    const visible = new Set<string>();
    registry.subscribe((patches) => {
      const mine = patchesFor('owner-a', visible, patches);
      if (mine.length > 0) seen.push(mine);
    });
    const mine = record({ owner: 'owner-a' });
    const theirs = record({ owner: 'owner-b' });
    registry.add(mine);
    registry.add(theirs);
    registry.patch(mine.id, (d) => {
      d.status = 'Terminating';
    });
    registry.patch(theirs.id, (d) => {
      d.status = 'Terminating';
    });
    registry.remove(theirs.id);
    registry.remove(mine.id);
    expect(seen).toEqual([
      [{ op: 'add', path: ['sessions', mine.id], value: publicRecord(mine) }],
      [{ op: 'replace', path: ['sessions', mine.id, 'status'], value: 'Terminating' }],
      [{ op: 'remove', path: ['sessions', mine.id] }],
    ]);
    expect(JSON.stringify(seen)).not.toContain('owner');
    expect(visible.size).toBe(0);
  });

  it('narrows a replacement of the whole session map to the owner\'s records', () => {
    const a = record({ owner: 'owner-a' });
    const b = record({ owner: 'owner-b' });
    const visible = new Set(['stale']);
    const out = patchesFor('owner-a', visible, [{ op: 'replace', path: ['sessions'], value: { [a.id]: a, [b.id]: b } }]);
    expect(out).toEqual([{ op: 'replace', path: ['sessions'], value: { [a.id]: publicRecord(a) } }]);
    expect([...visible]).toEqual([a.id]);
  });
});

describe('publicView', () => {
  it('shows userid, kind, status and startTime only; userid is stable per owner and is not the owner hash', () => {
    const r = record({ owner: '0123456789abcdef', name: 'private-name', kind: 'headless', status: 'Running' });
    const view = publicView(r);
    expect(view).toEqual({ userid: useridOf('0123456789abcdef'), kind: 'headless', status: 'Running', startTime: r.startTime });
    expect(view.userid).toMatch(/^[0-9a-f]{12}$/);
    expect('0123456789abcdef').not.toContain(view.userid);
    expect(useridOf('0123456789abcdee')).not.toBe(view.userid);
    expect(publicView(record({ owner: '0123456789abcdef' })).userid).toBe(view.userid);
  });
});

describe('statsOf', () => {
  it('counts sessions by kind and status, and workers and memory of the active ones', () => {
    const stats = statsOf([
      record({ kind: 'interactive', status: 'Running', workers: 2, memory: 100, memoryInUse: 10, storeObjects: 3 }),
      record({ kind: 'headless', status: 'Pending', workers: 4, memory: 200 }),
      record({ kind: 'headless', status: 'Completed', workers: 8, memory: 400, memoryInUse: 0, storeObjects: 0 }),
    ]);
    expect(stats).toEqual({
      version: 1,
      sessions: {
        total: 3,
        byKind: { interactive: 1, headless: 2 },
        byStatus: { Pending: 1, Running: 1, Completed: 1, Failed: 0, Terminating: 0 },
      },
      workers: { requested: 6 },
      memory: { limit: 300, used: 10 },
      store: { bytes: 10, objects: 3 },
    });
  });
});
