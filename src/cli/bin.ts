#!/usr/bin/env node
// The installed entry (`wardwatch`, `npx wardwatch`). It runs the CLI in a Node whose old-space
// heap is capped, so peak memory stays bounded whatever the capture size: the live set of an
// analysis stays near 60 MB, but V8 grows the heap with the allocation rate, not the live set
// (300+ MB on a 6 M-packet capture without the cap, under 200 MB with it). 256 MB, not less: a
// flood of spoofed sources fills every table to its bound (65 536 flows, 20 000 devices, the
// detector's address tables: ~200 MB live then, ~150 MB since a device's sets are made on first
// write), and at 192 MB that ran out of heap and printed nothing; ordinary captures peak at the same
// RSS with either cap (5 M bench packets: 198 MB).
// WARDWATCH_HEAP_MB changes the cap; an explicit --max-old-space-size (argv or NODE_OPTIONS) wins.
// The young generation is capped too (8 MB semi-spaces, V8's default is 16): on 1 M bench packets
// that is 20 MB less peak RSS (148 vs 168 MB, medians of 4) at the same speed (wall 0.98×), and
// as much on floods; 4 MB semi-spaces were 10 % slower. An explicit --max-semi-space-size wins.
// Not when the run starts threads of its own (the shards of --workers N, the sensor shipper of
// --to): the flag is the process's, and it overrides the young-generation limit each of those
// threads is given (4 workers on 1 M bench packets peaked at 301 MB with it, 269 MB without).
// The child holds an IPC channel to the launcher: when the launcher dies (even by kill -9) the
// channel closes and the child stops as on SIGTERM (see parent.ts), instead of reading stdin
// behind a live tcpdump forever.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startsThreads } from './launch-flags.js';

const FLAG = '--max-old-space-size';
const SEMI = '--max-semi-space-size';
const capped =
  process.execArgv.some((a) => a.startsWith(FLAG)) ||
  (process.env.NODE_OPTIONS ?? '').includes(FLAG) ||
  process.env.WARDWATCH_CHILD === '1';

if (capped) {
  await import('./main.js');
} else {
  const heapMb = Number(process.env.WARDWATCH_HEAP_MB ?? '256');
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const semi =
    startsThreads(process.argv.slice(2)) ||
    [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes(SEMI))
      ? []
      : [`${SEMI}=8`];
  const child = spawn(
    process.execPath,
    [`${FLAG}=${heapMb}`, ...semi, ...process.execArgv, main, ...process.argv.slice(2)],
    {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, WARDWATCH_CHILD: '1' },
    },
  );
  // Forward termination signals; the CLI's handlers are idempotent, so a terminal's Ctrl-C that
  // reaches both processes does no harm.
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, () => child.kill(s));
  child.on('error', (err) => {
    process.stderr.write(`wardwatch: cannot start node: ${err.message}\n`);
    process.exit(70);
  });
  child.on('exit', (code, signal) => {
    if (signal !== null) {
      for (const s of signals) process.removeAllListeners(s);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}
