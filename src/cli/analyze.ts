// `wardwatch analyze <capture…|->`: the output contract of DESIGN.md. Only contract records go
// to stdout (or --out); progress and errors go to stderr. Exit 3 when an alert reaches --fail-on.
import type { Command } from 'commander';
import { type AlertRecord, type Severity, severityRank } from '../contract/records.js';
import { formatCef } from '../export/cef.js';
import { formatJsonl } from '../export/jsonl.js';
import { DEFAULT_WIDTH, formatIncidentTable } from '../export/table.js';
import { alertSyslogMessages, parseSyslogUrl, sendSyslog } from '../export/transport/syslog.js';
import { type AnalyzeResult, Pipeline } from '../engine/analyze.js';
import { EXIT_ALERT, WardwatchError } from '../errors.js';
import type { Register } from './commands.js';
import { type Output, openOutput, stdoutOutput } from './output.js';
import { fileProgress } from './progress.js';
import { devicesTable, summaryText } from '../export/tables.js';
import { onStopSignal } from './stop.js';
import { addRecordOptions, type RecordCliOptions } from './record-options.js';
import { openCliStream } from './stream.js';

export interface AnalyzeCliOptions extends RecordCliOptions {
  maxFlows?: string;
  progress: boolean;
  /** Table times in UTC instead of local time. */
  utc?: boolean;
}

export const register: Register = (program: Command) => {
  const cmd = program
    .command('analyze')
    .description('analyze capture files (pcap/pcapng; "-" for stdin): devices, alerts, summary')
    .argument('<captures...>', 'capture files, or - for stdin');
  addRecordOptions(cmd)
    .option('--max-flows <n>', 'flow table bound (evictions are counted)', '100000')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--utc', 'table output: times in UTC (default: local time with its UTC offset)')
    .addHelpText(
      'after',
      `
Records: alerts, then devices, then the summary. Reading "-" (stdin) with --format jsonl or cef,
records stream as they happen: each alert when a rule raises it, alert-update records (by key)
as counts grow, devices on first sight and change, a summary every --summary-every, and the
settled alerts, devices and summary at the end.

Examples:
  wardwatch analyze ward.pcap
  wardwatch analyze --format jsonl --fail-on high -o records.jsonl a.pcap b.pcapng
  tcpdump -i eth1 -w - -U | wardwatch analyze --format jsonl -`,
    )
    .action(async (captures: string[], opts: AnalyzeCliOptions) => {
      const code = await runAnalyze(captures, opts);
      if (code !== 0) process.exitCode = code;
    });
};

export async function runAnalyze(captures: string[], opts: AnalyzeCliOptions): Promise<number> {
  const maxFlows = Number(opts.maxFlows ?? '100000');
  if (!Number.isInteger(maxFlows) || maxFlows < 16)
    throw new WardwatchError('WW_ARGS', `--max-flows must be an integer ≥ 16, got ${opts.maxFlows}`);
  if (captures.filter((c) => c === '-').length > 1)
    throw new WardwatchError('WW_ARGS', 'stdin (-) can be read only once');
  // Every destination is checked before the run: a bad one must not cost the analysis.
  if (opts.syslog) parseSyslogUrl(opts.syslog);
  // A stream on stdin is told as it happens; files keep the one ordered list at the end.
  const live = captures.includes('-') ? await openCliStream(opts) : undefined;
  const pipeline = new Pipeline({
    configPath: opts.config,
    policyPath: opts.policy,
    maxFlows,
    ...(live ? { stream: live.options } : {}),
  });
  const output =
    live !== undefined && opts.format !== 'table'
      ? undefined
      : opts.out
        ? await openOutput(opts.out, '--out')
        : stdoutOutput;
  live?.attach(pipeline);
  // SIGINT/SIGTERM (Ctrl-C behind `tcpdump … | wardwatch analyze -`) stops reading; what was
  // read is analysed and printed, the summary marked interrupted, and the exit is 0.
  const stop = onStopSignal();
  const progress = fileProgress(opts.progress !== false && process.stderr.isTTY === true);
  let result: AnalyzeResult;
  try {
    for (const file of captures) {
      if (stop.signal.aborted) break;
      await pipeline.readFile(file, { onProgress: (f, o, t) => progress.update(f, o, t), signal: stop.signal });
    }
    result = pipeline.finish({ interrupted: stop.received() });
  } catch (err) {
    await output?.close();
    await live?.end().catch(() => undefined);
    throw err;
  } finally {
    progress.stop();
    stop.dispose();
  }
  if (output) await printResult(result, opts, output);
  if (live) await live.end();
  else if (opts.syslog)
    await sendSyslog(
      opts.syslog,
      alertSyslogMessages(result.alerts, (a) => formatCef(a)),
    );
  return failOnCode(result.alerts, opts.failOn);
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
