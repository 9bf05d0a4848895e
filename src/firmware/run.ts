// Runs an unpacking tool as a child with a deadline, a per-file size cap and bounded output.
// Nothing from the image is ever executed: only system tools we name, with argument arrays.
import { spawn } from 'node:child_process';
import { WardwatchError } from '../errors.js';

export interface RunOptions {
  cwd?: string;
  /** Absolute time (Date.now() ms) after which the child is killed. */
  deadline: number;
  /** RLIMIT_FSIZE for the child, bytes: a sparse or bombed file cannot grow past it. */
  maxFileBytes?: number;
  /** Called per stdout line; return a message to kill the child and fail with it. */
  onLine?: (line: string) => string | undefined;
  stdinFile?: string;
  /** Keep at most this much stdout (lines are still streamed to onLine). */
  maxStdout?: number;
  /** Aborting kills the child; the abort reason (a string) becomes the error message. */
  signal?: AbortSignal;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const MAX_STDERR = 64 * 1024;

// Children run in their own process group (so a deadline kills helpers too); that also hides
// them from the terminal's Ctrl-C, so an interrupted audit kills them through this set.
const active = new Set<number>();

/** Kills every unpacking child still running (used by the SIGINT/SIGTERM handler). */
export function killActiveChildren(): void {
  for (const pid of active) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  active.clear();
}

/** True when `tool` is on PATH (checked without running it). */
export async function haveTool(tool: string): Promise<boolean> {
  const { access, constants } = await import('node:fs/promises');
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']);
  for (const d of dirs) {
    if (!d) continue;
    try {
      await access(`${d}/${tool}`, constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

export async function runTool(tool: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const timeLeft = opts.deadline - Date.now();
  if (timeLeft <= 0)
    throw new WardwatchError('WW_FIRMWARE', `unpacking timed out before ${tool} could run`, { exitCode: 2 });
  if (!(await haveTool(tool))) {
    throw new WardwatchError('WW_TOOL_MISSING', `${tool} is not installed (run: npm run setup)`, { exitCode: 2 });
  }
  // `ulimit -f` counts 512-byte blocks in POSIX sh; the shell then execs the tool itself.
  const blocks = opts.maxFileBytes === undefined ? 'unlimited' : String(Math.ceil(opts.maxFileBytes / 512) + 1);
  const shArgs = ['-c', `ulimit -f ${blocks} && exec "$0" "$@"`, tool, ...args];
  const { openSync, closeSync } = await import('node:fs');
  const stdinFd = opts.stdinFile === undefined ? 'ignore' : openSync(opts.stdinFile, 'r');
  const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`, LC_ALL: 'C' };
  const child = spawn('/bin/sh', shArgs, { cwd: opts.cwd, stdio: [stdinFd, 'pipe', 'pipe'], detached: true, env });
  if (typeof stdinFd === 'number') closeSync(stdinFd);
  let stdout = '';
  let stderr = '';
  let partial = '';
  let failure: string | undefined;
  const maxStdout = opts.maxStdout ?? 16 * 1024 * 1024;
  const kill = (why: string): void => {
    if (failure === undefined) failure = why;
    try {
      // Negative pid: the whole process group, in case the tool forks helpers.
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  if (child.pid !== undefined) active.add(child.pid);
  const timer = setTimeout(() => kill(`${tool} took longer than the time limit; stopped`), timeLeft);
  const onAbort = (): void => kill(String(opts.signal?.reason ?? `${tool} stopped`));
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    if (stdout.length < maxStdout) stdout += chunk;
    if (!opts.onLine || failure !== undefined) return;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const why = opts.onLine(line);
      if (why !== undefined) {
        kill(why);
        break;
      }
    }
  });
  child.stderr!.on('data', (chunk: string) => {
    if (stderr.length < MAX_STDERR) stderr += chunk;
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve([c, s]));
  }).finally(() => {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    if (child.pid !== undefined) active.delete(child.pid);
  });
  if (failure === undefined && opts.onLine && partial) {
    const why = opts.onLine(partial);
    if (why !== undefined) failure = why;
  }
  if (failure !== undefined) throw new WardwatchError('WW_FIRMWARE', failure, { exitCode: 2 });
  if (signal === 'SIGXFSZ' || code === 128 + 25 || /File size limit exceeded/i.test(stderr)) {
    throw new WardwatchError('WW_FIRMWARE', `${tool}: a file in the image exceeds the size limit; refusing to unpack`, {
      exitCode: 2,
    });
  }
  return { code, signal, stdout, stderr };
}
