// Walks an unpacked tree with lstat only: symlinks are recorded, never followed, so a link
// to /etc/passwd in an image reads nothing of the host.
import { chmod, lstat, readdir, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { WardwatchError } from '../errors.js';
import type { Limits } from './types.js';

export interface TreeEntry {
  /** Relative to the root, '/'-separated. */
  rel: string;
  abs: string;
  kind: 'file' | 'symlink';
  size: number;
  target?: string;
}

export interface WalkOptions {
  limits: Limits;
  /** Extracted trees only: make unreadable directories readable (never for a user's directory). */
  fixPermissions: boolean;
}

export async function walkTree(root: string, opts: WalkOptions): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  let bytes = 0;
  const stack: string[] = [''];
  const tooMany = (what: string): never => {
    throw new WardwatchError('WW_FIRMWARE', `${root}: ${what}; refusing to scan`, { exitCode: 2 });
  };
  while (stack.length > 0) {
    const dirRel = stack.pop()!;
    const dirAbs = dirRel ? `${root}/${dirRel}` : root;
    let names: string[];
    try {
      names = await readdir(dirAbs);
    } catch {
      if (!opts.fixPermissions) continue;
      try {
        await chmod(dirAbs, 0o700);
        names = await readdir(dirAbs);
      } catch {
        continue;
      }
    }
    names.sort();
    for (const name of names) {
      const rel = dirRel ? `${dirRel}/${name}` : name;
      const abs = `${root}/${rel}`;
      const st = await lstat(abs);
      if (st.isDirectory()) {
        stack.push(rel);
        continue;
      }
      if (st.isSymbolicLink()) {
        out.push({ rel, abs, kind: 'symlink', size: 0, target: await readlink(abs) });
      } else if (st.isFile()) {
        bytes += st.size;
        out.push({ rel, abs, kind: 'file', size: st.size });
      } else continue; // devices, fifos, sockets: never opened
      if (out.length > opts.limits.maxFiles) tooMany(`more than ${opts.limits.maxFiles} files`);
      if (bytes > opts.limits.maxBytes) tooMany(`more than ${opts.limits.maxBytes} bytes`);
    }
  }
  out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return out;
}

/**
 * Resolves a path inside the image the way the device would (absolute links are relative to
 * the image root), never leaving the root; undefined for dangling links or loops.
 */
export function resolveWithin(entries: ReadonlyMap<string, TreeEntry>, rel: string): TreeEntry | undefined {
  let cur = rel;
  for (let hops = 0; hops < 16; hops++) {
    const e = entries.get(cur);
    if (!e) return undefined;
    if (e.kind === 'file') return e;
    const t = e.target ?? '';
    const joined = t.startsWith('/') ? t : posix.join(posix.dirname(cur), t);
    // normalize collapses '..' at the root, as the kernel does for '/..'.
    cur = posix.normalize(`/${joined}`).slice(1);
  }
  return undefined;
}
