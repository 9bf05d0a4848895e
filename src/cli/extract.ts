// `wardwatch extract <capture…> --alert ID [--alerts FILE.jsonl] -o slice.pcap|.pcapng`: the
// packets behind one alert, for Wireshark. `extract --keep DIR …` reads a rolling capture of
// `watch --keep DIR` instead: only the kept files around the alert's time (engine/extract.ts). The alert comes from --alerts (an `analyze --format
// jsonl` output, or a watch log) or, without it, from analysing the captures again (the same
// captures give the same ids). `--alert` takes the record's `id` or the console's alert key
// (`rule|src|dst|port`, a sensor's with its `sensor/` in front), so an alert seen on the console's
// Alerts page can be cut from the sensor's captures too. Exit codes: 0 written (the count goes to stderr), 1 bad
// arguments (no such alert id, an alert without flows, mixed link types into .pcap, an
// unwritable -o), 2 a capture or the alerts file unreadable, 74 writing the slice failed.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { listKept } from '../capture/keep-dir.js';
import { AlertRecord, alertKey } from '../contract/records.js';
import { Pipeline } from '../engine/analyze.js';
import { extractAlert, keptFilesFor } from '../engine/extract.js';
import { WardwatchError } from '../errors.js';
import type { Register } from './commands.js';
import { exampleText } from './examples.js';
import { openOutput } from './output.js';
import { parseSeconds } from './record-options.js';
import { fileProgress } from './progress.js';
import { onStopSignal } from './stop.js';

interface ExtractCliOptions {
  alert: string;
  keep?: string;
  margin: number;
  alerts?: string;
  out: string;
  config?: string;
  progress?: boolean;
}

export const register: Register = (program: Command) => {
  program
    .command('extract')
    .description("write the packets of an alert's flows (both directions, fragments included) to a pcap/pcapng")
    .argument('[captures...]', 'the capture files the alert came from (or --keep DIR)')
    .requiredOption('--alert <id>', "the alert: the `id` of an alert record, or the console's key rule|src|dst|port")
    .option('--keep <dir>', "a rolling capture of `watch --keep DIR`: read only its files around the alert's time")
    .option(
      '--margin <duration>',
      "with --keep: also read kept files this long before the alert's first and after its last time",
      parseSeconds,
      60,
    )
    .option('--alerts <file>', 'alert records (jsonl from analyze/watch) to find the id in, instead of re-analyzing')
    .requiredOption('-o, --out <file>', 'output capture: .pcapng carries the alert as its comment, else pcap')
    .option('-c, --config <file>', 'config used when re-analyzing (the same config gives the same alerts)')
    .option('--no-progress', 'no progress bar on stderr')
    .addHelpText(
      'after',
      exampleText([
        'wardwatch extract ward.pcap --alert 3f2a9c1e0b7d4a65 -o alert.pcapng',
        'wardwatch extract a.pcap b.pcap --alert 3f2a9c1e0b7d4a65 --alerts records.jsonl -o alert.pcap',
        "wardwatch extract --keep /var/lib/wardwatch/keep --alert 'egress.ioc|10.40.12.104|202.114.4.119|2049' -o alert.pcap",
      ]),
    )
    .action(async (captures: string[], opts: ExtractCliOptions) => {
      const code = await runExtract(captures, opts);
      if (code !== 0) process.exitCode = code;
    });
};

/**
 * Does record `a` answer to `--alert q`: its `id`, or the console's key of it (`alertKey`; the
 * console shows a sensor's alerts as `<sensor>/<key>`, and the sensor's own records know no sensor).
 */
export function isAlert(a: AlertRecord, q: string): boolean {
  return a.id === q || consoleKey(q) === alertKey(a);
}

/** The console's alert key in `q` without a sensor's `sensor/` before it; undefined when `q` is a record id. */
function consoleKey(q: string): string | undefined {
  const bar = q.indexOf('|');
  if (bar < 0) return undefined;
  const slash = q.indexOf('/');
  return slash > 0 && slash < bar ? q.slice(slash + 1) : q;
}

async function alertFromFile(path: string, id: string): Promise<AlertRecord | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new WardwatchError('WW_CAPTURE_IO', `--alerts ${path}: cannot read: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // Only lines that can hold the alert are parsed: its id, or for a key its rule and source address.
  const key = consoleKey(id);
  const needles = key === undefined ? [id] : key.split('|').slice(0, 2);
  let n = 0;
  for (const line of text.split('\n')) {
    n++;
    if (!needles.every((x) => line.includes(x))) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new WardwatchError('WW_ARGS', `--alerts ${path}:${n}: not JSON`);
    }
    const r = AlertRecord.safeParse(v);
    if (r.success && isAlert(r.data, id)) return r.data;
  }
  return undefined;
}

export async function runExtract(captures: string[], opts: ExtractCliOptions): Promise<number> {
  if (opts.keep !== undefined && captures.length > 0)
    throw new WardwatchError('WW_ARGS', 'give capture files or --keep DIR, not both');
  if (opts.keep === undefined && captures.length === 0)
    throw new WardwatchError('WW_ARGS', 'give the capture files the alert came from, or --keep DIR');
  if (captures.includes('-'))
    throw new WardwatchError('WW_ARGS', 'extract reads its captures twice: give files, not -');
  // The output must be writable before any capture is read.
  await (await openOutput(opts.out, '-o')).close();
  const stop = onStopSignal();
  const progress = fileProgress(opts.progress !== false && process.stderr.isTTY === true);
  const onProgress = (f: string, o: number, t: number) => progress.update(f, o, t);
  try {
    let alert: AlertRecord | undefined;
    if (opts.alerts !== undefined) alert = await alertFromFile(opts.alerts, opts.alert);
    else {
      const pipeline = new Pipeline({ configPath: opts.config });
      // Re-analyzing a rolling capture sees only what is still kept: an alert whose start was deleted has another id.
      const inputs = opts.keep !== undefined ? listKept(opts.keep).map((f) => join(opts.keep!, f.name)) : captures;
      for (const file of inputs) await pipeline.readFile(file, { signal: stop.signal, onProgress });
      alert = pipeline.finish().alerts.find((a) => isAlert(a, opts.alert));
    }
    if (alert === undefined)
      throw new WardwatchError(
        'WW_ARGS',
        `no alert ${opts.alert} ${opts.alerts !== undefined ? `in ${opts.alerts}` : 'in these captures'} (ids are the "id" of alert records — analyze --format jsonl — or the console's key rule|src|dst|port)`,
      );
    let inputs = captures;
    if (opts.keep !== undefined) {
      const kept = keptFilesFor(opts.keep, alert, opts.margin);
      for (const w of kept.warnings) process.stderr.write(`warning: ${w}\n`);
      inputs = kept.files;
    }
    const r = await extractAlert(inputs, { out: opts.out, alert, signal: stop.signal, onProgress });
    progress.stop();
    process.stderr.write(
      `${opts.out}: ${r.packets} packets of ${alert.flows?.length ?? 0} flow(s) of ${alert.rule} ${alert.id} (${r.format})\n`,
    );
    if (r.fragmentsUntracked > 0)
      process.stderr.write(`warning: ${r.fragmentsUntracked} fragmented datagrams not tracked (too many)\n`);
    return 0;
  } finally {
    progress.stop();
    stop.dispose();
  }
}
