// What the installed entry (bin.ts) needs to know of a command line before it starts the CLI.

/** The command starts worker threads with their own heap limits (--workers N > 1, --to URL). */
export function startsThreads(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--to' || a.startsWith('--to=')) return true;
    const n = a === '--workers' ? args[i + 1] : a.startsWith('--workers=') ? a.slice('--workers='.length) : undefined;
    if (n !== undefined && n !== '1' && n !== 'auto') return true;
  }
  return false;
}
