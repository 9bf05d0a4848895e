// `wardwatch watch -i IFACE`: live analysis with tcpdump as the capture front (`-w - -U`), or
// `-r -` for a capture stream on stdin. Stops on SIGINT/SIGTERM or after --seconds, kills the
// child. With jsonl or cef the records stream as they happen (engine/stream.ts); a table is
// printed at the end, the same as `analyze`'s.
import type { Command } from 'commander';
import { startLiveCapture } from '../capture/live.js';
import { DEFAULT_KEEP_FILES, RollingCapture } from '../capture/rolling.js';
import { Pipeline } from '../engine/analyze.js';
import { EXIT_UNSENT, WardwatchError } from '../errors.js';
import { parseSyslogUrl } from '../export/transport/syslog.js';
import { failOnCode, printResult } from './analyze.js';
import type { Register } from './commands.js';
import { openOutput, stdoutOutput } from './output.js';
import { liveStatus } from './progress.js';
import { addRecordOptions, type RecordCliOptions } from './record-options.js';
import { MAX_BUFFER_HELP, maxBufferBytes, parseSize, sizeBetween1MiBAnd4GiB } from './size.js';
import { onStopSignal } from './stop.js';
import { openCliStream } from './stream.js';
import { workerCount } from './workers.js';
import { loadConfig } from '../config/config.js';
import type { RecordSink } from '../engine/stream.js';
import { addShipOptions, type ShipCliOptions, type ShipSession, shipSetup, startShipping } from './sensor-ship.js';
import { fileSource } from './sensor-batch.js';

interface WatchOptions extends RecordCliOptions, ShipCliOptions {
  interface?: string;
  read?: string;
  filter?: string;
  seconds?: string;
  workers?: string;
  keep?: string;
  keepSize?: string;
  keepFiles?: string;
  captureBuffer?: string;
  maxBuffer?: string;
}

/** The capture buffer `watch -i` asks tcpdump for unless told otherwise (libpcap's own is 2 MiB). */
export const DEFAULT_CAPTURE_BUFFER = '64MiB';

/** `--capture-buffer SIZE` as tcpdump's -B (KiB), for -i only; 1 MiB to 4 GiB. */
export function captureBufferKiB(opts: { interface?: string; captureBuffer?: string }): number | undefined {
  if (opts.interface === undefined) {
    if (opts.captureBuffer !== undefined)
      throw new WardwatchError('WW_ARGS', '--capture-buffer is for a live interface (-i IFACE)');
    return undefined;
  }
  const bytes = sizeBetween1MiBAnd4GiB(opts.captureBuffer ?? DEFAULT_CAPTURE_BUFFER, '--capture-buffer');
  return Math.ceil(bytes / 1024);
}

/** `--keep DIR --keep-size SIZE --keep-files N` → the rolling capture, or undefined without --keep. */
function openKeep(opts: WatchOptions): RollingCapture | undefined {
  if (opts.keep === undefined) {
    if (opts.keepSize !== undefined || opts.keepFiles !== undefined)
      throw new WardwatchError('WW_ARGS', '--keep-size and --keep-files need --keep DIR');
    return undefined;
  }
  const files = opts.keepFiles === undefined ? DEFAULT_KEEP_FILES : Number(opts.keepFiles);
  if (!Number.isInteger(files) || files < 1)
    throw new WardwatchError('WW_ARGS', `--keep-files: expected an integer ≥ 1, got '${opts.keepFiles}'`);
  return new RollingCapture({
    dir: opts.keep,
    maxBytes: parseSize(opts.keepSize ?? '2GB', '--keep-size'),
    files,
    warn: (msg) => process.stderr.write(`warning: ${msg}\n`),
  });
}

export const register: Register = (program: Command) => {
  const cmd = program
    .command('watch')
    .description('live analysis of an interface (via tcpdump -w - -U) or of a capture stream on stdin')
    .option('-i, --interface <iface>', 'interface to capture on (needs root or CAP_NET_RAW)')
    .option('-r, --read <file>', 'a capture file to replay, or "-" to read a pcap/pcapng stream from stdin')
    .option('--filter <bpf>', 'BPF filter passed to tcpdump, e.g. "not port 22"')
    .option(
      '--capture-buffer <size>',
      `-i: the kernel's capture buffer (tcpdump -B), what holds a burst while the analysis is behind (default ${DEFAULT_CAPTURE_BUFFER})`,
    )
    .option('--seconds <n>', 'stop after this many seconds (default: until SIGINT/SIGTERM)')
    .option(
      '--workers <n>',
      'worker threads for the flow engine, or "auto" (1 for a stream; same records for any count)',
      'auto',
    )
    .option('--max-buffer <size>', MAX_BUFFER_HELP)
    .option('--keep <dir>', 'also keep every packet read in rotating capture files in DIR (for `extract --keep DIR`)')
    .option('--keep-size <size>', 'bound of the kept files together: 500MB, 2GB, 1.5GiB (default 2GB)')
    .option(
      '--keep-files <n>',
      `files the bound is split into; the oldest is deleted first (default ${DEFAULT_KEEP_FILES})`,
    );
  addShipOptions(addRecordOptions(cmd))
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

--keep DIR writes every packet read (pcapng when the input is pcapng, else pcap, in its link type)
into files of at most SIZE/N bytes named wardwatch-<first packet UTC>-<seq>.pcap, with an index.json;
before a file is opened the oldest are deleted so the directory's captures stay within --keep-size.
A failed write (disk full) is a warning and a count in the summary, never the end of the watch.
An alert's packets then come out with extract --keep DIR --alert ID (see extract --help).

Examples:
  sudo wardwatch watch -i eth1 --filter "not port 22" --format jsonl -o ward.jsonl
  sudo wardwatch watch -i eth1 --syslog udp://siem.example:514 --fail-on high --seconds 3600
  tcpdump -i eth1 -w - -U | wardwatch watch -r - --format cef
  sudo wardwatch watch -i eth1 --format jsonl -o ward.jsonl --keep /var/lib/wardwatch/keep --keep-size 2GB

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
  const bufferKiB = captureBufferKiB(opts);
  const maxBuffered = maxBufferBytes(opts.maxBuffer);
  const keep = openKeep(opts);
  if (keep !== undefined && file !== undefined)
    throw new WardwatchError(
      'WW_ARGS',
      '--keep keeps live packets (-i IFACE or -r -); a file given with -r is its own capture',
    );
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
    workers: workerCount(opts.workers),
    maxBuffered,
    ...(sensor ? { salt: sensor.salt, onEvent: sensor.batcher.onEvent } : {}),
  });
  sensor?.batcher.gapsFrom(() => pipeline.engine.stats);
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
  // The kept packets reach the disk at least every second, so a live alert can be extracted at once.
  const keepTimer = keep === undefined ? undefined : setInterval(() => keep.flush(), 1000);
  keepTimer?.unref();
  let finished = false;
  let statsTimer: NodeJS.Timeout | undefined;
  try {
    if (opts.interface !== undefined) {
      const capture = startLiveCapture({ iface: opts.interface, filter: opts.filter, bufferKiB });
      const source = `live:${opts.interface}`;
      stopLive = capture.stop;
      // tcpdump's own counts (packets the kernel dropped before it read them) go into the
      // summaries: asked for every few seconds, and given once more on its exit.
      const noteStats = () => {
        const s = capture.stats();
        if (s === undefined) return;
        pipeline.noteCaptureStats({
          source,
          received: s.received,
          dropped: s.dropped,
          interfaceDropped: s.interfaceDropped,
        });
        sensor?.batcher.noteCapture(s);
        status.dropped = s.dropped;
      };
      statsTimer = setInterval(() => {
        noteStats();
        capture.requestStats();
      }, statsEverySeconds(opts.summaryEvery) * 1000);
      statsTimer.unref();
      if (abort.signal.aborted) void capture.stop();
      await pipeline.readStream(capture.stream, source, { signal: abort.signal, tee: keep });
      await capture.stop();
      noteStats();
      const loss = pipeline.captureLoss();
      if (loss !== undefined) process.stderr.write(`warning: ${loss}\n`);
    } else if (file !== undefined) {
      await pipeline.readFile(file, { signal: abort.signal });
    } else {
      await pipeline.readStream(process.stdin, 'stdin', { signal: abort.signal, tee: keep });
    }
    finished = true;
  } finally {
    if (!finished) {
      await pipeline.abort();
      await output?.close();
      await live.end().catch(() => undefined);
    }
    if (timer) clearTimeout(timer);
    if (statsTimer) clearInterval(statsTimer);
    if (keepTimer) clearInterval(keepTimer);
    if (cutTimer) clearInterval(cutTimer);
    keep?.close();
    status.stop();
    signals.dispose();
  }
  if (keep !== undefined) {
    const failed = keep.failureSummary();
    if (failed !== undefined) pipeline.captures[pipeline.captures.length - 1]?.info.warnings.push(failed);
    const k = keep.stats;
    process.stderr.write(
      `kept ${k.packets} packets in ${keep.files().length} file(s) in ${keep.dir} (${k.filesOpened} opened, ${k.deleted} deleted to stay within ${keep.maxBytes} bytes${k.dropped > 0 ? `, ${k.dropped} not kept` : ''})\n`,
    );
  }
  const result = await pipeline.end({ interrupted: signals.received() });
  const unsent = sensor ? await sensor.end({ replayCut: file !== undefined && signals.received() !== undefined }) : 0;
  if (output) await printResult(result, { format: opts.format, utc: opts.utc }, output);
  await live.end();
  return unsent > 0 ? EXIT_UNSENT : failOnCode(result.alerts, opts.failOn);
}

/**
 * How often a live capture is asked for its counts: every 5 s, or as often as the summaries when
 * they come faster, so an interim summary's counts are at most two such periods old.
 */
export function statsEverySeconds(summaryEvery: number): number {
  return summaryEvery > 0 ? Math.max(1, Math.min(5, summaryEvery)) : 5;
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
    incident: (i) => {
      a.incident?.(i);
      b.incident?.(i);
    },
  };
}
