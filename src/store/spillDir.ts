/**
 * Checking a spill directory before a store uses it: it must exist or be creatable, be a directory, be
 * writable, and live on a filesystem that stores files. Each failure is an `OptionError` naming the
 * directory and the reason, raised when the store (and so the session) is created rather than at the
 * first eviction.
 *
 * Nothing here may hang: `mkdirSync(dir, { recursive: true })` never returns for a path under /proc
 * (Node retries the parent forever), so pseudo filesystems (proc, sysfs, ...) are recognised by
 * `statfs` before anything is created, and missing directories are created one level at a time.
 */
import { mkdirSync, mkdtempSync, rmdirSync, type Stats, statfsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { OptionError } from '../base/errors.js';

/** statfs magic numbers of kernel filesystems that hold no files of ours (linux/magic.h). */
const PSEUDO_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0x6165676c, 'pstore'],
  [0x42494e4d, 'binfmt_misc'],
]);

function refuse(dir: string, why: string): OptionError {
  return new OptionError(`spillDir ${JSON.stringify(dir)} ${why}; pick a writable directory on a disk (or tmpfs).`);
}

const reason = (err: unknown): string => (err as { code?: string }).code ?? String(err);

/** The entry at `path`, or undefined when it does not exist — also when a parent is a file (ENOTDIR). */
function statOrMissing(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    if (reason(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** Validates `dir`, creating it (and missing parents) when needed; returns its absolute path. */
export function prepareSpillDir(dir: string): string {
  if (typeof dir !== 'string' || dir.trim() === '') throw refuse(String(dir), 'is not a directory path');
  const path = resolve(dir);
  const missing: string[] = [];
  let existing = path;
  for (;;) {
    const stat = statOrMissing(existing);
    if (stat) {
      if (!stat.isDirectory()) throw refuse(dir, existing === path ? 'is a file, not a directory' : `cannot be created: ${existing} is a file`);
      break;
    }
    missing.unshift(basename(existing));
    existing = dirname(existing);
  }
  const fsType = statfsSync(existing).type;
  const pseudo = PSEUDO_FILESYSTEMS.get(fsType);
  if (pseudo !== undefined) throw refuse(dir, `is on ${pseudo}, a kernel filesystem that cannot hold spill files`);
  let made = existing;
  for (const part of missing) {
    made = join(made, part);
    try {
      mkdirSync(made);
    } catch (err) {
      // Another process may have just made it.
      if (reason(err) !== 'EEXIST' || !statSync(made).isDirectory()) throw refuse(dir, `cannot be created (${reason(err)} at ${made})`);
    }
  }
  try {
    rmdirSync(mkdtempSync(join(path, '.tessera-probe-')));
  } catch (err) {
    throw refuse(dir, `is not writable (${reason(err)})`);
  }
  return path;
}
