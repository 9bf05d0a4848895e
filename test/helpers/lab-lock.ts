// One lab at a time: the lab's namespaces have fixed names, so test files that build it take
// this lock (a directory, created atomically) and wait for each other instead of colliding.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK = join(process.getuid?.() === 0 ? '/run' : tmpdir(), 'wardwatch-lab.lock');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function takeLabLock(timeoutMs = 300_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch {
      let pid = 0;
      try {
        pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        // being created right now
      }
      if (pid > 0 && !alive(pid)) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > until) throw new Error(`lab lock ${LOCK} held by pid ${pid} for ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export function releaseLabLock(): void {
  try {
    if (Number(readFileSync(join(LOCK, 'pid'), 'utf8')) === process.pid) rmSync(LOCK, { recursive: true, force: true });
  } catch {
    // not held
  }
}
