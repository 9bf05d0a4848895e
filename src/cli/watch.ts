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
import { loadConfig } from '../config/config.js';
import type { RecordSink } from '../engine/stream.js';
import { addShipOptions, type ShipCliOptions, type ShipSession, shipSetup, startShipping } from './sensor-ship.js';
import { fileSource } from './sensor-batch.js';

interface WatchOptions extends RecordCliOptions, ShipCliOptions {
  interface?: string;
  read?: string;
  filter?: string;
  seconds?: string;
}

export const register: Register = (program: Command) => {
  const cmd = program
    .command('watch')
    .description('live analysis of an interface (via tcpdump -w - -U) or of a capture stream on stdin')
    .option('-i, --interface <iface>', 'interface to capture on (needs root or CAP_NET_RAW)')
    .option('-r, --read <file>', 'a capture file to replay, or "-" to read a pcap/pcapng stream from stdin')
    .option('--filter <bpf>', 'BPF filter passed to tcpdump, e.g. "not port 22"')
    .option('--seconds <n>', 'stop after this many seconds (default: until SIGINT/SIGTERM)');
  addShipOptions(addRecordOptions(cmd))
    .addHelpText(
      'after',
      `
With --format jsonl or cef, records stream as they happen: each alert when a rule raises it,
alert-update records (same key) as counts grow — at most one per alert every --update-every —
devices on first sight and change, a summary every --summary-every, and at the end the settled
alerts, every device and the final summary. --syslog sends each alert (and update) as it comes.
--format table prints once, at the end.

Examples:
  sudo wardwatch watch -i eth1 --filter "not port 22" --format jsonl -o ward.jsonl
  sudo wardwatch watch -i eth1 --syslog udp://siem.example:514 --fail-on high --seconds 3600
  tcpdump -i eth1 -w - -U | wardwatch watch -r - --format cef

As a sensor (--to): batches of what is new go to the console every --batch-every seconds, through
a disk spool (--spool, bounded by --spool-size) so a console that is down costs nothing:
  sudo wardwatch watch -i eth1 --to https://console:8080 --token "$TOKEN" --sensor icu-3 --ca ca.pem`,
    )
    .action(async (opts: WatchOptions) => {
      const code = await runWatch(opts);
      if (code !== 0) process.exitCode = code;
    });
};

async function runWatch(opts: WatchOptions): Promise<number> {
  if ((opts.interface === undefined) === (opts.read === undefined)) {
    throw new WardwatchError('WW_ARGS', 'give exactly one of -i IFACE, -r FILE or -r -');
  }
  const file = opts.read !== undefined && opts.read !== '-' ? opts.read : undefined;
  const seconds = opts.seconds === undefined ? undefined : Number(opts.seconds);
  if (seconds !== undefined && !(seconds > 0))
    throw new WardwatchError('WW_ARGS', `--seconds must be positive, got ${opts.seconds}`);
  if (opts.syslog) parseSyslogUrl(opts.syslog);
  const ship = shipSetup(opts);
  const live = await openCliStream(opts);
  const config = loadConfig(opts.config);
  let stopLive: (() => Promise<void>) | undefined;
  const signals = onStopSignal(() => {
    if (stopLive) void stopLive();
  });
  // A file replay is a deterministic source (a restart re-sends the same batch ids); a live
  // interface or stdin is a new source each start.
  let sensor: ShipSession | undefined;
  if (ship !== undefined) {
    const source =
      file !== undefined
        ? fileSource(ship.sensor, [file])
        : `${opts.interface ?? 'stdin'}@${new Date().toISOString()}`.slice(0, 128);
    sensor = await startShipping(ship, source, config, signals.controller.signal);
  }
  const sink: RecordSink = sensor ? teeSink(live.options.sink, sensor.batcher.sink) : live.options.sink;
  const pipeline = new Pipeline({
    config,
    policyPath: opts.policy,
    stream: { ...live.options, sink },
    ...(sensor ? { salt: sensor.salt, onEvent: sensor.batcher.onEvent } : {}),
  });
  const output = opts.format !== 'table' ? undefined : opts.out ? await openOutput(opts.out, '--out') : stdoutOutput;
  // Wall-clock ticks would make a replay's batches differ run to run: a file ticks on capture time only.
  if (sensor === undefined || file === undefined) live.attach(pipeline);
  const cutTimer =
    sensor !== undefined && file === undefined
      ? setInterval(() => sensor.batcher.cut(), (ship?.everySeconds ?? 10) * 1000)
      : undefined;
  cutTimer?.unref();
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
    } else if (file !== undefined) {
      await pipeline.readFile(file, { signal: abort.signal });
    } else {
      await pipeline.readStream(process.stdin, 'stdin', { signal: abort.signal });
    }
    finished = true;
  } finally {
    if (!finished) {
      await output?.close();
      await live.end().catch(() => undefined);
    }
    if (timer) clearTimeout(timer);
    if (cutTimer) clearInterval(cutTimer);
    status.stop();
    signals.dispose();
  }
  const result = pipeline.finish({ interrupted: signals.received() });
  if (sensor) await sensor.end({ replayCut: file !== undefined && signals.received() !== undefined });
  if (output) await printResult(result, { format: opts.format }, output);
  await live.end();
  return failOnCode(result.alerts, opts.failOn);
}

/** One record stream to two sinks (the local output and the sensor's batches). */
function teeSink(a: RecordSink, b: RecordSink): RecordSink {
  return {
    alert: (x) => {
      a.alert?.(x);
      b.alert?.(x);
    },
    update: (u, full) => {
      a.update?.(u, full);
      b.update?.(u, full);
    },
    device: (d) => {
      a.device?.(d);
      b.device?.(d);
    },
    summary: (s, final) => {
      a.summary?.(s, final);
      b.summary?.(s, final);
    },
  };
}
