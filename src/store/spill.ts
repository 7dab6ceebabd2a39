/**
 * Spill files: one per evicted chunk object, holding the raw bytes of the blobs that left memory with it,
 * after a small JSON header that makes the file self-describing (`[u32 header length][header][bytes…]`,
 * each blob 8-byte aligned). Reads and writes are synchronous because `get` must return the value, not a
 * promise; restored bytes land in fresh SharedArrayBuffers so they still reach workers without a copy.
 * A file is deleted once none of its blobs is waiting in it any more (restored or deleted).
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { allocateShared, bytesOf } from './views.js';

export interface SpillFile {
  readonly path: string;
  /** Blobs whose only copy is still in this file. */
  pending: number;
}

export interface SpillLocation {
  readonly file: SpillFile;
  readonly offset: number;
}

export interface SpillBlob {
  readonly id: string;
  readonly kind: string;
  readonly data: ArrayBufferView;
}

const ALIGN = 8;
const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

let fileSequence = 0;

export function spillPath(dir: string, storeTag: string, objectId: string): string {
  fileSequence += 1;
  return join(dir, `tessera-${storeTag}-${objectId}-${fileSequence}.spill`);
}

/** Writes the blobs to `path` and returns where each one starts. Throws (leaving no file) on I/O errors. */
export function writeSpillFile(path: string, objectId: string, blobs: readonly SpillBlob[]): SpillLocation[] {
  // Offsets in the header are relative to the data section, so the header's own length does not move them.
  const entries: { id: string; kind: string; byteLength: number; offset: number }[] = [];
  let relative = 0;
  for (const b of blobs) {
    entries.push({ id: b.id, kind: b.kind, byteLength: b.data.byteLength, offset: relative });
    relative = align(relative + b.data.byteLength);
  }
  const header = Buffer.from(JSON.stringify({ format: 'tessera-spill/1', object: objectId, blobs: entries }), 'utf8');
  const dataStart = align(4 + header.length);
  const file = { path, pending: blobs.length };
  const fd = openSync(path, 'w');
  try {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(header.length, 0);
    writeAll(fd, prefix, 0);
    writeAll(fd, header, 4);
    blobs.forEach((b, i) => writeAll(fd, bytesOf(b.data), dataStart + entries[i]!.offset));
  } catch (err) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw err;
  }
  closeSync(fd);
  return entries.map((e) => ({ file, offset: dataStart + e.offset }));
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.byteLength) {
    done += writeSync(fd, bytes, done, bytes.byteLength - done, position + done);
  }
}

/** Reads one blob back into fresh shared memory. */
export function readSpilled(location: SpillLocation, kind: string, byteLength: number): ArrayBufferView {
  const view = allocateShared(kind, byteLength);
  const target = bytesOf(view);
  const fd = openSync(location.file.path, 'r');
  try {
    let done = 0;
    while (done < byteLength) {
      const n = readSync(fd, target, done, byteLength - done, location.offset + done);
      if (n === 0) throw new Error(`Spill file ${location.file.path} ended early: it was truncated or removed from outside the store.`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return view;
}

/** One blob no longer needs its copy in the file; the file goes when no blob needs it. */
export function releaseSpilled(location: SpillLocation): void {
  location.file.pending -= 1;
  if (location.file.pending <= 0) rmSync(location.file.path, { force: true });
}
