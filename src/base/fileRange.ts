/**
 * Reading a byte range of an open file with positioned reads, looping because one `readSync` may
 * return fewer bytes than asked (pipes, network filesystems, very large ranges).
 */
import { readSync } from 'node:fs';

/** Reads up to `length` bytes at `position` into `into[at..]`; returns how many were read (fewer only at the end of the file). */
export function readInto(fd: number, into: Uint8Array, at: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, into, at + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Up to `length` bytes at `position` (fewer only at the end of the file). */
export function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  return buf.subarray(0, readInto(fd, buf, 0, length, position));
}
