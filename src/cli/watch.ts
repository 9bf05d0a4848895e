// `wardwatch watch -i IFACE`: live analysis with tcpdump as the capture front (`-w - -U`), or
// `-r -` for a capture stream on stdin. Stops on SIGINT/SIGTERM or after --seconds, kills the
// child, then prints the same records as `analyze`.
import type { Command } from 'commander';
import { Option } from 'commander';
import { startLiveCapture } from '../capture/live.js';
import { SEVERITIES, type Severity, severityRank } from '../contract/records.js';
import { Pipeline } from '../engine/analyze.js';
import { EXIT_ALERT, WardwatchError } from '../errors.js';
import type { AnalyzeCliOptions } from './analyze.js';
import { printResult } from './analyze.js';
import type { Register } from './commands.js';
import { openOutput, stdoutOutput } from './output.js';
import { onStopSignal } from './stop.js';

interface WatchOptions {
  interface?: string;
  read?: string;
  filter?: string;
  seconds?: string;
  format: AnalyzeCliOptions['format'];
  out?: string;
  config?: string;
  policy?: string;
  failOn?: Severity;
}

export const register: Register = (program: Command) => {
  program
    .command('watch')
    .description('live analysis of an interface (via tcpdump -w - -U) or of a capture stream on stdin')
    .option('-i, --interface <iface>', 'interface to capture on (needs root or CAP_NET_RAW)')
    .option('-r, --read <file>', '"-" to read a pcap/pcapng stream from stdin')
    .option('--filter <bpf>', 'BPF filter passed to tcpdump, e.g. "not port 22"')
    .option('--seconds <n>', 'stop after this many seconds (default: until SIGINT/SIGTERM)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'jsonl', 'cef']).default('table'))
    .option('-o, --out <file>', 'write the output to a file instead of stdout')
    .option('-c, --config <file>', 'config file (YAML)')
    .option('-p, --policy <file>', 'policy file (YAML/JSON)')
    .addOption(
      new Option('--fail-on <severity>', 'exit 3 when an alert at or above this severity is raised').choices([
        ...SEVERITIES,
      ]),
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
  const pipeline = new Pipeline({ configPath: opts.config, policyPath: opts.policy });
  const output = opts.out ? await openOutput(opts.out, '--out') : stdoutOutput;
  let stopLive: (() => Promise<void>) | undefined;
  const signals = onStopSignal(() => {
    if (stopLive) void stopLive();
  });
  const abort = signals.controller;
  const stop = () => signals.stop();
  const timer = seconds === undefined ? undefined : setTimeout(stop, seconds * 1000);
  const status =
    process.stderr.isTTY === true
      ? setInterval(() => {
          const s = pipeline.engine.stats;
          process.stderr.write(
            `\rwatching: ${s.packets} packets, ${s.flows} flows, ${pipeline.engine.openFlows} open   `,
          );
        }, 1000)
      : undefined;
  let finished = false;
  try {
    if (opts.interface !== undefined) {
      const live = startLiveCapture({ iface: opts.interface, filter: opts.filter });
      stopLive = live.stop;
      if (abort.signal.aborted) void live.stop();
      await pipeline.readStream(live.stream, `live:${opts.interface}`, { signal: abort.signal });
      await live.stop();
    } else {
      await pipeline.readStream(process.stdin, 'stdin', { signal: abort.signal });
    }
    finished = true;
  } finally {
    if (!finished) await output.close();
    if (timer) clearTimeout(timer);
    if (status) {
      clearInterval(status);
      process.stderr.write('\n');
    }
    signals.dispose();
  }
  const result = pipeline.finish({ interrupted: signals.received() });
  await printResult(result, { format: opts.format }, output);
  if (opts.failOn && result.alerts.some((a) => severityRank(a.severity) >= severityRank(opts.failOn!)))
    return EXIT_ALERT;
  return 0;
}
