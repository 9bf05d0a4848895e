// The analysis child of the launcher (bin.ts) must not outlive it. The launcher opens an IPC
// channel to the child only to be watched: when the launcher dies, even by kill -9, the channel
// closes, and the child stops as on SIGTERM — analyze/watch flush what they read, a firmware
// audit removes its temp dir — with a hard exit if that takes too long.

/** How long a child whose launcher died may take to flush and exit. */
const ORPHAN_GRACE_MS = 10_000;

export function exitWithLauncher(): void {
  if (process.env.WARDWATCH_CHILD !== '1' || !process.channel) return;
  // The channel must not keep the process alive by itself; it only says when the launcher is gone.
  process.channel.unref();
  const gone = () => {
    setTimeout(() => process.exit(143), ORPHAN_GRACE_MS).unref();
    // After the current module work, so the command's own SIGTERM handler is in place if it has one.
    setImmediate(() => process.kill(process.pid, 'SIGTERM'));
  };
  // The launcher may already be gone: modules load asynchronously, so the channel can close first.
  if (!process.connected) gone();
  else process.once('disconnect', gone);
}
