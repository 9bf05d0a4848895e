// Unpacks an image into a private temp dir with system tools (never running anything from
// the image), under limits on size, file count, time and nesting. See DESIGN.md "Firmware audit".
import { rmSync } from 'node:fs';
import { chmod, lstat, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { WardwatchError } from '../errors.js';
import { decompress } from './decompress.js';
import { Budget, checkMembers, listCpio, type Member, parseLsListing } from './listing.js';
import { CONTAINERS, type Magic, magicOfFile } from './magic.js';
import { haveTool, killActiveChildren, type RunResult, runTool } from './run.js';
import type { Limits } from './types.js';
import { dropParentIfEmpty, makeUnpackDir } from './tempdir.js';
import { walkTree } from './walk.js';

export interface Unpacked {
  /** The tree to scan: the user's directory itself, or `<temp>/root`. */
  root: string;
  format: string;
  warnings: string[];
  /** The private temp dir, undefined for a directory scanned in place. */
  tempDir?: string;
  cleanup(): Promise<void>;
}

interface Ctx {
  limits: Limits;
  budget: Budget;
  deadline: number;
  work: string;
  seq: number;
  formats: string[];
  warnings: string[];
}

const live = new Set<string>();
let handlersInstalled = false;

// Ctrl-C during an audit: kill the tools, remove every temp dir, exit as interrupted.
function onSignal(sig: NodeJS.Signals): void {
  killActiveChildren();
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
  void dropParentIfEmpty();
  process.exit(sig === 'SIGINT' ? 130 : 143);
}

function track(dir: string): void {
  live.add(dir);
  if (!handlersInstalled) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    handlersInstalled = true;
  }
}

function untrack(dir: string): void {
  live.delete(dir);
  if (live.size === 0 && handlersInstalled) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    handlersInstalled = false;
  }
}

function fail(msg: string): never {
  throw new WardwatchError('WW_FIRMWARE', msg, { exitCode: 2 });
}

export async function unpackImage(image: string, limits: Limits): Promise<Unpacked> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(image);
  } catch (err) {
    throw new WardwatchError('WW_FIRMWARE', `cannot read ${image}: ${(err as Error).message}`, { exitCode: 2 });
  }
  if (st.isDirectory()) return { root: image, format: 'directory', warnings: [], cleanup: async () => {} };
  if (!st.isFile()) fail(`${image} is neither a file nor a directory`);

  // mkdtemp creates the directory with mode 0700; chmod again in case of an odd umask.
  const { dir: tempDir, swept } = await makeUnpackDir();
  track(tempDir);
  const cleanup = async (): Promise<void> => {
    await rm(tempDir, { recursive: true, force: true });
    untrack(tempDir);
    await dropParentIfEmpty();
  };
  try {
    await chmod(tempDir, 0o700);
    const ctx: Ctx = {
      limits,
      budget: new Budget(),
      deadline: Date.now() + limits.timeoutMs,
      work: join(tempDir, 'work'),
      seq: 0,
      formats: [],
      warnings: swept > 0 ? [`removed ${swept} unpack dir(s) left by killed runs`] : [],
    };
    await mkdir(ctx.work, { mode: 0o700 });
    const root = join(tempDir, 'root');
    const outer = await extract(image, root, 1, ctx);
    const nested = [...new Set(ctx.formats)];
    const format = nested.length > 0 ? `${outer}>${nested.join(',')}` : outer;
    await rm(ctx.work, { recursive: true, force: true });
    return { root, format, warnings: ctx.warnings, tempDir, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

const NAMES: Record<string, string> = {
  squashfs: 'squashfs',
  cramfs: 'cramfs',
  tar: 'tar',
  cpio: 'cpio',
  zip: 'zip',
  ext: 'ext',
};

/** Extracts `file` into `dest` (which must not exist yet); returns the format name. */
async function extract(file: string, dest: string, depth: number, ctx: Ctx, label?: string): Promise<string> {
  const magic = await magicOfFile(file);
  // Messages name what the user knows: the image, not our intermediate file.
  const name = label ?? basename(file);
  switch (magic) {
    case 'gzip':
    case 'xz': {
      const raw = join(ctx.work, `${ctx.seq++}.raw`);
      await decompress(magic, file, raw, ctx.limits.maxBytes - ctx.budget.bytes, ctx.deadline);
      const inner = await magicOfFile(raw);
      if (CONTAINERS.has(inner) && inner !== 'gzip' && inner !== 'xz') {
        const f = await extract(raw, dest, depth, ctx, `${name} (decompressed)`);
        await rm(raw, { force: true });
        return `${f}.${magic === 'gzip' ? 'gz' : 'xz'}`;
      }
      // A single compressed file (a kernel, a blob): scan it on its own.
      await mkdir(dest, { recursive: true, mode: 0o700 });
      const { size } = await stat(raw);
      ctx.budget.add(file, size, ctx.limits);
      await rename(raw, join(dest, basename(file).replace(/\.(gz|xz)$/i, '') || 'payload'));
      return magic;
    }
    case 'squashfs': {
      const list = await runTool('unsquashfs', ['-lls', '-d', '', file], { deadline: ctx.deadline });
      if (list.code !== 0) fail(`${name}: unsquashfs cannot read it: ${firstLine(list)}`);
      checkMembers(name, parseLsListing(list.stdout, ' link to '), ctx.limits, ctx.budget);
      const r = await runTool('unsquashfs', ['-d', dest, '-no-xattrs', '-no-progress', '-quiet', file], {
        deadline: ctx.deadline,
        maxFileBytes: ctx.limits.maxBytes,
      });
      if (r.code === 2) ctx.warnings.push(`${name}: unsquashfs reported non-fatal errors: ${firstLine(r)}`);
      else if (r.code !== 0) fail(`${name}: unsquashfs failed: ${firstLine(r)}`);
      break;
    }
    case 'cramfs': {
      // fsck.cramfs lists only while extracting, so its verbose lines are checked as they stream.
      const members: Member[] = [];
      const onLine = (line: string): string | undefined => {
        const m = /^([dflcbps])\s+[0-7]+\s+(\d+)\s+\S+\s+(.*)$/.exec(line);
        if (!m) return undefined;
        const kind = m[1] === 'f' ? 'file' : m[1] === 'd' ? 'dir' : m[1] === 'l' ? 'symlink' : 'other';
        const path = m[3]!.replace(/ -> .*$/, '');
        if (path === dest) return undefined;
        members.push({ name: path.slice(dest.length + 1), kind, size: Number(m[2]) });
        try {
          checkMembers(name, members.slice(-1), ctx.limits, ctx.budget);
        } catch (err) {
          return (err as Error).message;
        }
        return undefined;
      };
      const r = await runTool('fsck.cramfs', ['-v', `--extract=${dest}`, file], {
        deadline: ctx.deadline,
        maxFileBytes: ctx.limits.maxBytes,
        onLine,
      });
      if (r.code !== 0) fail(`${name}: fsck.cramfs failed: ${firstLine(r)}`);
      break;
    }
    case 'tar': {
      const list = await runTool('tar', ['-tvf', file, '--numeric-owner', '--quoting-style=escape'], {
        deadline: ctx.deadline,
      });
      if (list.code !== 0) fail(`${name}: tar cannot list it: ${firstLine(list)}`);
      checkMembers(name, parseLsListing(list.stdout, ' link to '), ctx.limits, ctx.budget);
      await mkdir(dest, { mode: 0o700 });
      const r = await runTool('tar', ['-xf', file, '-C', dest, '--no-same-owner', '--no-same-permissions'], {
        deadline: ctx.deadline,
        maxFileBytes: ctx.limits.maxBytes,
      });
      if (r.code !== 0) fail(`${name}: tar failed: ${firstLine(r)}`);
      break;
    }
    case 'cpio': {
      checkMembers(name, await listCpio(file, ctx.limits.maxFiles), ctx.limits, ctx.budget);
      await mkdir(dest, { mode: 0o700 });
      const args = ['-idm', '--no-absolute-filenames', '--no-preserve-owner', '--quiet'];
      const r = await runTool('cpio', args, {
        cwd: dest,
        stdinFile: file,
        deadline: ctx.deadline,
        maxFileBytes: ctx.limits.maxBytes,
      });
      if (r.code !== 0) fail(`${name}: cpio failed: ${firstLine(r)}`);
      break;
    }
    case 'zip': {
      if (!(await haveTool('unzip'))) fail(`${name}: zip images need unzip, which is not installed`);
      const list = await runTool('unzip', ['-l', file], { deadline: ctx.deadline });
      if (list.code !== 0) fail(`${name}: unzip cannot list it: ${firstLine(list)}`);
      const members: Member[] = [];
      for (const line of list.stdout.split('\n')) {
        const m = /^\s*(\d+)\s+\d{2,4}-\d\d-\d{2,4}\s+\d\d:\d\d\s+(.+)$/.exec(line);
        if (m) members.push({ name: m[2]!, kind: m[2]!.endsWith('/') ? 'dir' : 'file', size: Number(m[1]) });
      }
      checkMembers(name, members, ctx.limits, ctx.budget);
      await mkdir(dest, { mode: 0o700 });
      const r = await runTool('unzip', ['-qq', '-n', file, '-d', dest], {
        deadline: ctx.deadline,
        maxFileBytes: ctx.limits.maxBytes,
      });
      if (r.code !== 0) fail(`${name}: unzip failed: ${firstLine(r)}`);
      break;
    }
    case 'ext': {
      const stats = await runTool('debugfs', ['-R', 'stats', file], { deadline: ctx.deadline });
      const count = Number(/Inode count:\s+(\d+)/.exec(stats.stdout)?.[1] ?? Number.NaN);
      const free = Number(/Free inodes:\s+(\d+)/.exec(stats.stdout)?.[1] ?? Number.NaN);
      if (!Number.isFinite(count - free)) fail(`${name}: debugfs cannot read it: ${firstLine(stats)}`);
      if (count - free > ctx.limits.maxFiles)
        fail(`${name}: more than ${ctx.limits.maxFiles} files; refusing to unpack`);
      await mkdir(dest, { mode: 0o700 });
      // debugfs has no listing with sizes; RLIMIT_FSIZE stops a huge file and walkTree checks the total.
      const r = await runTool('debugfs', ['-R', `rdump / ${dest}`, file], {
        deadline: ctx.deadline,
        maxFileBytes: ctx.limits.maxBytes - ctx.budget.bytes,
      });
      if (r.code !== 0) fail(`${name}: debugfs failed: ${firstLine(r)}`);
      break;
    }
    default:
      fail(
        `${name}: not a recognised firmware image (expected squashfs, cramfs, tar, gzip, xz, cpio, zip, ext2/3/4 or a directory)`,
      );
  }
  if (depth < ctx.limits.maxDepth) await unpackNested(dest, depth, ctx);
  return NAMES[magic]!;
}

const NESTED_COMPRESSED = /\.(tar|tgz|txz|cpio|img|squashfs|sqfs|cramfs|ext[234]|rootfs|bin)(\.(gz|xz))?$/i;

/** One more level: file-system images and archives found inside what was just unpacked. */
async function unpackNested(dir: string, depth: number, ctx: Ctx): Promise<void> {
  const entries = await walkTree(dir, { limits: ctx.limits, fixPermissions: true });
  for (const e of entries) {
    if (e.kind !== 'file' || e.size < 512) continue;
    const magic: Magic = await magicOfFile(e.abs);
    if (!CONTAINERS.has(magic)) continue;
    if ((magic === 'gzip' || magic === 'xz') && !NESTED_COMPRESSED.test(e.rel)) continue;
    const target = `${e.abs}.unpacked`;
    if (await exists(target)) continue;
    ctx.formats.push(await extract(e.abs, target, depth + 1, ctx, e.rel));
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** The first stderr line that says what went wrong (tar's "Removing leading ..." notes do not). */
function firstLine(r: RunResult): string {
  const lines = r.stderr.trim().split('\n');
  const line = lines.find((l) => l.trim() && !/Removing leading|Exiting with failure status/.test(l)) ?? lines[0] ?? '';
  return line.slice(0, 300) || `exit ${r.code ?? r.signal}`;
}
