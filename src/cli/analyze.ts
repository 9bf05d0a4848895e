// `wardwatch analyze <capture…|->`: the output contract of DESIGN.md. Only contract records go
// to stdout (or --out); progress and errors go to stderr. Exit 3 when an alert reaches --fail-on.
import { MAX_BUFFER_HELP, maxBufferBytes } from './size.js';
import type { Command } from 'commander';
import { type AlertRecord, type Severity, severityRank } from '../contract/records.js';
import { formatCef } from '../export/cef.js';
import { formatJsonl } from '../export/jsonl.js';
import { DEFAULT_WIDTH, formatIncidentTable } from '../export/table.js';
import { alertSyslogMessages, parseSyslogUrl, sendSyslog } from '../export/transport/syslog.js';
import { type AnalyzeResult, Pipeline } from '../engine/analyze.js';
import { DEFAULT_MAX_FLOWS } from '../flow/engine.js';
import { EXIT_ALERT, EXIT_UNSENT, WardwatchError } from '../errors.js';
import type { Register } from './commands.js';
import { type Output, openOutput, stdoutOutput } from './output.js';
import { fileProgress } from './progress.js';
import { devicesTable, summaryText } from '../export/tables.js';
import { onStopSignal } from './stop.js';
import { addRecordOptions, type RecordCliOptions } from './record-options.js';
import { openCliStream } from './stream.js';
import { workerCount } from './workers.js';
import { loadConfig } from '../config/config.js';
import { addShipOptions, type ShipCliOptions, type ShipSession, shipSetup, startShipping } from './sensor-ship.js';
import { fileSource } from './sensor-batch.js';

export interface AnalyzeCliOptions extends RecordCliOptions, ShipCliOptions {
  maxFlows?: string;
  maxBuffer?: string;
  progress: boolean;
  workers?: string;
}

export const register: Register = (program: Command) => {
  const cmd = program
    .command('analyze')
    .description('analyze capture files (pcap/pcapng; "-" for stdin): devices, alerts, summary')
    .argument('<captures...>', 'capture files, or - for stdin');
  addShipOptions(addRecordOptions(cmd))
    .option('--max-flows <n>', 'flow table bound (evictions are counted)', String(DEFAULT_MAX_FLOWS))
    .option('--max-buffer <size>', MAX_BUFFER_HELP)
    .option('--no-progress', 'no progress bar on stderr')
    .option(
      '--workers <n>',
      'worker threads for the flow engine (same records for any count); "auto" is 1 for now, see README',
      'auto',
    )
    .addHelpText(
      'after',
      `
Records: alerts, then incidents, then devices, then the summary. Reading "-" (stdin) with
--format jsonl or cef, records stream as they happen: each alert when a rule raises it (rules
that need the whole picture, such as phi.cleartext, at the next tick), alert-update records (by
key) as counts grow, incidents when they open and change, devices on first sight and change, a
summary every --summary-every, and the settled alerts, incidents, devices and summary at the end.

Examples:
  wardwatch analyze ward.pcap
  wardwatch analyze --format jsonl --fail-on high -o records.jsonl a.pcap b.pcapng
  tcpdump -i eth1 -w - -U | wardwatch analyze --format jsonl -
  wardwatch analyze ward.pcap --to https://console:8080 --token "$TOKEN" --sensor icu-3 --ca ca.pem`,
    )
    .action(async (captures: string[], opts: AnalyzeCliOptions) => {
      const code = await runAnalyze(captures, opts);
      if (code !== 0) process.exitCode = code;
    });
};

export async function runAnalyze(captures: string[], opts: AnalyzeCliOptions): Promise<number> {
  const maxFlows = Number(opts.maxFlows ?? DEFAULT_MAX_FLOWS);
  if (!Number.isInteger(maxFlows) || maxFlows < 16)
    throw new WardwatchError('WW_ARGS', `--max-flows must be an integer ≥ 16, got ${opts.maxFlows}`);
  maxBufferBytes(opts.maxBuffer); // checked before anything starts
  if (captures.filter((c) => c === '-').length > 1)
    throw new WardwatchError('WW_ARGS', 'stdin (-) can be read only once');
  // Every destination is checked before the run: a bad one must not cost the analysis.
  if (opts.syslog) parseSyslogUrl(opts.syslog);
  const ship = shipSetup(opts);
  if (ship !== undefined && captures.includes('-'))
    throw new WardwatchError('WW_ARGS', 'analyze --to reads files; use watch -r - --to for a stream on stdin');
  // A stream on stdin is told as it happens; files keep the one ordered list at the end.
  const live = captures.includes('-') ? await openCliStream(opts) : undefined;
  // A sensor (--to): the batches are cut at capture-time ticks of the files (deterministic ids).
  const config = loadConfig(opts.config);
  const stop = onStopSignal();
  let sensor: ShipSession | undefined;
  if (ship !== undefined) sensor = await startShipping(ship, fileSource(ship.sensor, captures), config, stop.signal);
  const pipeline = new Pipeline({
    config,
    policyPath: opts.policy,
    maxFlows,
    maxBuffered: maxBufferBytes(opts.maxBuffer),
    workers: workerCount(opts.workers),
    // A sensor's file run needs no record stream: its batches carry the rows as they come and
    // the alerts and devices, final, in the last one (as `analyze FILE` prints them at the end).
    ...(sensor ? { salt: sensor.salt, onEvent: sensor.batcher.onEvent } : {}),
    ...(live ? { stream: live.options } : {}),
  });
  sensor?.batcher.gapsFrom(() => pipeline.engine.stats);
  const output =
    live !== undefined && opts.format !== 'table'
      ? undefined
      : opts.out
        ? await openOutput(opts.out, '--out')
        : stdoutOutput;
  live?.attach(pipeline);
  // SIGINT/SIGTERM (Ctrl-C behind `tcpdump … | wardwatch analyze -`) stops reading; what was
  // read is analysed and printed, the summary marked interrupted, and the exit is 0.
  const progress = fileProgress(opts.progress !== false && process.stderr.isTTY === true);
  let result: AnalyzeResult;
  try {
    for (const file of captures) {
      if (stop.signal.aborted) break;
      await pipeline.readFile(file, { onProgress: (f, o, t) => progress.update(f, o, t), signal: stop.signal });
    }
    result = await pipeline.end({ interrupted: stop.received() });
  } catch (err) {
    await pipeline.abort();
    await output?.close();
    await live?.end().catch(() => undefined);
    throw err;
  } finally {
    progress.stop();
    stop.dispose();
  }
  const unsent = sensor
    ? await sensor.end({
        replayCut: stop.received() !== undefined,
        final: { alerts: result.alerts, devices: result.devices },
      })
    : 0;
  if (output) await printResult(result, opts, output);
  if (live) await live.end();
  else if (opts.syslog)
    await sendSyslog(
      opts.syslog,
      alertSyslogMessages(result.alerts, (a) => formatCef(a)),
    );
  return unsent > 0 ? EXIT_UNSENT : failOnCode(result.alerts, opts.failOn);
}

/** Exit 3 when an alert reaches --fail-on. */
export function failOnCode(alerts: readonly AlertRecord[], failOn: Severity | undefined): number {
  if (failOn && alerts.some((a) => severityRank(a.severity) >= severityRank(failOn))) return EXIT_ALERT;
  return 0;
}

/** Columns of the table: the terminal's when stdout is one, else $COLUMNS, else DEFAULT_WIDTH. */
function tableWidth(output: Output): number {
  if (output === stdoutOutput && process.stdout.isTTY === true && process.stdout.columns > 0)
    return process.stdout.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : DEFAULT_WIDTH;
}

function render(result: AnalyzeResult, opts: Pick<AnalyzeCliOptions, 'format' | 'utc'>, width: number): string {
  const format = opts.format;
  // Record order on a file: alerts, incidents, devices, summary (README "Output contract").
  if (format === 'jsonl')
    return formatJsonl([...result.alerts, ...result.incidents, ...result.devices, result.summary]);
  if (format === 'cef') return result.alerts.map((a: AlertRecord) => `${formatCef(a)}\n`).join('');
  const t = { utc: opts.utc === true, width };
  return (
    [
      formatIncidentTable(result.incidents, result.alerts, t),
      devicesTable(result.devices, t),
      summaryText(result.summary, t),
    ].join('\n\n') + '\n'
  );
}

/** Print the records in the chosen format to `output` (opened before the run: stdout or --out). */
export async function printResult(
  result: AnalyzeResult,
  opts: Pick<AnalyzeCliOptions, 'format' | 'utc'>,
  output: Output,
): Promise<void> {
  await output.write(render(result, opts, tableWidth(output)));
}
