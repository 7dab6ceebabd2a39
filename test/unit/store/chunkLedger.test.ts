/**
 * The chunk ledger: the one count of holds and pins per chunk key, and the rule that a chunk is deleted
 * only when nothing holds or pins it — a pinned chunk asked to go waits for its last unpin.
 */
import { describe, expect, it } from 'vitest';
import { ChunkLedger } from '../../../src/store/chunkLedger.js';
import { f64, newStore } from './helpers.js';

function ledger(): { ledger: ChunkLedger; dropped: string[] } {
  const dropped: string[] = [];
  return { ledger: new ChunkLedger((k) => dropped.push(k)), dropped };
}

describe('ChunkLedger', () => {
  it('deletes at the last release, not before, and leaves no count behind', () => {
    const { ledger: l, dropped } = ledger();
    l.retain('a');
    l.retain('a');
    expect(l.release('a')).toBe(1);
    expect(dropped).toEqual([]);
    expect(l.release('a')).toBe(0);
    expect(dropped).toEqual(['a']);
    expect(l.counted).toBe(0);
  });

  it('a release of what nobody holds changes nothing', () => {
    const { ledger: l, dropped } = ledger();
    expect(l.release('never')).toBe(0);
    expect(dropped).toEqual([]);
  });

  it('deleting a pinned chunk waits for its last unpin', () => {
    const { ledger: l, dropped } = ledger();
    l.pin('a');
    l.pin('a');
    expect(l.dispose('a')).toBe('deferred');
    expect(l.isDoomed('a')).toBe(true);
    l.unpin('a');
    expect(dropped).toEqual([]);
    l.unpin('a');
    expect(dropped).toEqual(['a']);
    expect(l.isDoomed('a')).toBe(false);
  });

  it('the last release of a pinned chunk defers too; a new hold revokes the deletion', () => {
    const { ledger: l, dropped } = ledger();
    l.retain('a');
    l.pin('a');
    l.release('a');
    expect(l.isDoomed('a')).toBe(true);
    l.retain('a');
    l.unpin('a');
    expect(dropped).toEqual([]);
    expect(l.dispose('a')).toBe('kept');
  });

  it('keepCached leaves an unheld chunk in place', () => {
    const { ledger: l, dropped } = ledger();
    l.retain('a');
    l.release('a', true);
    expect(dropped).toEqual([]);
    expect(l.dispose('a')).toBe('deleted');
    expect(dropped).toEqual(['a']);
  });
});

describe('the store through its ledger', () => {
  const chunk = (n: number) => ({ dtype: 'float64', shape: [n], data: f64(n) });

  it('a chunk deleted while pinned is still readable until the last unpin', () => {
    const store = newStore();
    store.chunks.put('k', chunk(4));
    store.chunks.pin('k');
    store.chunks.delete('k');
    expect(store.chunks.has('k')).toBe(true);
    expect((store.chunks.get('k') as { data: Float64Array }).data).toHaveLength(4);
    store.chunks.unpin('k');
    expect(store.chunks.has('k')).toBe(false);
    expect(store.usedBytes).toBe(0);
  });

  it('releasing the last hold deletes the chunk; a held chunk survives delete', () => {
    const store = newStore();
    store.chunks.put('k', chunk(2));
    store.chunks.retain('k');
    store.chunks.delete('k');
    expect(store.chunks.has('k')).toBe(true);
    expect(store.chunks.release('k')).toBe(0);
    expect(store.chunks.has('k')).toBe(false);
  });
});
