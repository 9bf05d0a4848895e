// Where unpacks go: one wardwatch-owned parent per user, `$TMPDIR/wardwatch-<uid>/` (mode 0700,
// refused if it is a symlink or someone else's), holding `fw-<pid>-XXXXXX` per unpack. A run
// killed with SIGKILL cannot clean up after itself, so every unpack first sweeps the dirs
// whose owner pid is gone.
import { lstat, mkdir, mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WardwatchError } from '../errors.js';

const NAME = /^fw-(\d+)-/;

export function tempParent(): string {
  const uid = process.getuid?.() ?? 0;
  return join(tmpdir(), `wardwatch-${uid}`);
}

async function ownParent(): Promise<string> {
  const parent = tempParent();
  await mkdir(parent, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  const st = await lstat(parent);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw new WardwatchError(
      'WW_FIRMWARE',
      `${parent} is not a private directory of this user (a symlink, someone else's, or group/world-accessible): remove it`,
      { exitCode: 2 },
    );
  }
  return parent;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes unpack dirs left by runs that no longer exist; returns how many were removed. */
export async function sweepStale(parent: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const m = NAME.exec(name);
    if (m === null || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    await rm(join(parent, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** A fresh private unpack dir `<parent>/fw-<pid>-XXXXXX`, after sweeping stale ones. */
export async function makeUnpackDir(): Promise<{ dir: string; swept: number }> {
  const parent = await ownParent();
  const swept = await sweepStale(parent);
  return { dir: await mkdtemp(join(parent, `fw-${process.pid}-`)), swept };
}

/** Removes the parent when nothing is left in it (other runs' dirs keep it). */
export async function dropParentIfEmpty(): Promise<void> {
  await rmdir(tempParent()).catch(() => undefined);
}
