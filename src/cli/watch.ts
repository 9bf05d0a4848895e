// `wardwatch watch -i IFACE`: live analysis with tcpdump as the capture front (`-w - -U`), or
// `-r -` for a capture stream on stdin. Stops on SIGINT/SIGTERM or after --seconds, kills the
// child. With jsonl or cef the records stream as they happen (engine/stream.ts); a table is
// printed at the end, the same as `analyze`'s.
import type { Command } from 'commander';
import { startLiveCapture } from '../capture/live.js';
import { Pipeline } from '../engine/analyze.js';
import { WardwatchError } from '../errors.js';
import { parseSyslogUrl } from '../export/transport/syslog.js';
import { failOnCode, printResult } from './analyze.js';
import type { Register } from './commands.js';
import { openOutput, stdoutOutput } from './output.js';
import { liveStatus } from './progress.js';
import { addRecordOptions, type RecordCliOptions } from './record-options.js';
import { onStopSignal } from './stop.js';
import { openCliStream } from './stream.js';
import { workerCount } from './workers.js';

interface WatchOptions extends RecordCliOptions {
  interface?: string;
  read?: string;
  filter?: string;
  seconds?: string;
  workers?: string;
}

export const register: Register = (program: Command) => {
  const cmd = program
    .command('watch')
    .description('live analysis of an interface (via tcpdump -w - -U) or of a capture stream on stdin')
    .option('-i, --interface <iface>', 'interface to capture on (needs root or CAP_NET_RAW)')
    .option('-r, --read <file>', '"-" to read a pcap/pcapng stream from stdin')
    .option('--filter <bpf>', 'BPF filter passed to tcpdump, e.g. "not port 22"')
    .option('--seconds <n>', 'stop after this many seconds (default: until SIGINT/SIGTERM)')
    .option(
      '--workers <n>',
      'worker threads for the flow engine, or "auto" (1 for a stream; same records for any count)',
      'auto',
    );
  addRecordOptions(cmd)
    .addHelpText(
      'after',
      `
With --format jsonl or cef, records stream as they happen: each alert when a rule raises it
(rules that need the whole picture — phi.cleartext, device.vulnerable, egress.beacon,
policy.violation — at the next tick), alert-update records (same key) as counts grow — at most
one per alert every --update-every — incidents (jsonl) when they open and change, devices on
first sight and change, a summary every --summary-every, and at the end the settled alerts and
incidents, every device and the final summary. --syslog sends each alert (and update) as it
comes. --format table prints once, at the end (local times with their offset; --utc for UTC).

Examples:
  sudo wardwatch watch -i eth1 --filter "not port 22" --format jsonl -o ward.jsonl
  sudo wardwatch watch -i eth1 --syslog udp://siem.example:514 --fail-on high --seconds 3600
  tcpdump -i eth1 -w - -U | wardwatch watch -r - --format cef`,
    )
    .action(async (opts: WatchOptions) => {
      const code = await runWatch(opts);
      if (code !== 0) process.exitCode = code;
    });
};

async function runWatch(opts: WatchOptions): Promise<number> {
  if ((opts.interface === undefined) === (opts.read === undefined)) {
    throw new WardwatchError('WW_ARGS', 'give exactly one of -i IFACE or -r -');
  }
  if (opts.read !== undefined && opts.read !== '-') {
    throw new WardwatchError('WW_ARGS', 'watch -r reads only "-" (stdin); use analyze for files');
  }
  const seconds = opts.seconds === undefined ? undefined : Number(opts.seconds);
  if (seconds !== undefined && !(seconds > 0))
    throw new WardwatchError('WW_ARGS', `--seconds must be positive, got ${opts.seconds}`);
  if (opts.syslog) parseSyslogUrl(opts.syslog);
  const live = await openCliStream(opts);
  const pipeline = new Pipeline({
    configPath: opts.config,
    policyPath: opts.policy,
    stream: live.options,
    workers: workerCount(opts.workers),
  });
  const output = opts.format !== 'table' ? undefined : opts.out ? await openOutput(opts.out, '--out') : stdoutOutput;
  live.attach(pipeline);
  let stopLive: (() => Promise<void>) | undefined;
  const signals = onStopSignal(() => {
    if (stopLive) void stopLive();
  });
  const abort = signals.controller;
  const stop = () => signals.stop();
  const timer = seconds === undefined ? undefined : setTimeout(stop, seconds * 1000);
  const status = liveStatus(pipeline);
  let finished = false;
  try {
    if (opts.interface !== undefined) {
      const capture = startLiveCapture({ iface: opts.interface, filter: opts.filter });
      stopLive = capture.stop;
      if (abort.signal.aborted) void capture.stop();
      await pipeline.readStream(capture.stream, `live:${opts.interface}`, { signal: abort.signal });
      await capture.stop();
    } else {
      await pipeline.readStream(process.stdin, 'stdin', { signal: abort.signal });
    }
    finished = true;
  } finally {
    if (!finished) {
      await pipeline.abort();
      await output?.close();
      await live.end().catch(() => undefined);
    }
    if (timer) clearTimeout(timer);
    status.stop();
    signals.dispose();
  }
  const result = await pipeline.end({ interrupted: signals.received() });
  if (output) await printResult(result, { format: opts.format, utc: opts.utc }, output);
  await live.end();
  return failOnCode(result.alerts, opts.failOn);
}
