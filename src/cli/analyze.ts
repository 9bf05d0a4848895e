// `wardwatch analyze <capture…|->`: the output contract of DESIGN.md. Only contract records go
// to stdout (or --out); progress and errors go to stderr. Exit 3 when an alert reaches --fail-on.
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { type AlertRecord, SEVERITIES, type Severity, severityRank } from '../contract/records.js';
import { formatCef } from '../export/cef.js';
import { formatJsonl } from '../export/jsonl.js';
import { alertSyslogMessages, sendSyslog } from '../export/transport/syslog.js';
import { formatAlertTable } from '../export/table.js';
import { type AnalyzeResult, Pipeline } from '../engine/analyze.js';
import { EXIT_ALERT, WardwatchError } from '../errors.js';
import type { Register } from './commands.js';
import { fileProgress } from './progress.js';
import { devicesTable, summaryText } from '../export/tables.js';

export interface AnalyzeCliOptions {
  format: 'table' | 'jsonl' | 'cef';
  out?: string;
  config?: string;
  policy?: string;
  failOn?: Severity;
  syslog?: string;
  maxFlows?: string;
  progress: boolean;
}

export const register: Register = (program: Command) => {
  program
    .command('analyze')
    .description('analyse capture files (pcap, pcapng; "-" for stdin): devices, alerts, summary')
    .argument('<captures...>', 'capture files, or - for standard input')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'jsonl', 'cef']).default('table'))
    .option('-o, --out <file>', 'write the output to a file instead of stdout')
    .option(
      '-c, --config <file>',
      'config file (YAML): site ranges, HL7 receivers, allowlists, indicators, suppressions',
    )
    .option('-p, --policy <file>', 'policy file (YAML/JSON): flows it does not allow raise policy.violation')
    .addOption(
      new Option('--fail-on <severity>', 'exit 3 when an alert at or above this severity is raised').choices([
        ...SEVERITIES,
      ]),
    )
    .option('--syslog <url>', 'also send alerts as CEF over syslog: udp://HOST:PORT or tcp://HOST:PORT (RFC 5424)')
    .option('--max-flows <n>', 'flow table bound (evictions are counted)', '100000')
    .option('--no-progress', 'no progress bar on stderr')
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
  const pipeline = new Pipeline({ configPath: opts.config, policyPath: opts.policy, maxFlows });
  const progress = fileProgress(opts.progress !== false && process.stderr.isTTY === true);
  try {
    for (const file of captures) await pipeline.readFile(file, { onProgress: (f, o, t) => progress.update(f, o, t) });
  } finally {
    progress.stop();
  }
  const result = pipeline.finish();
  await printResult(result, opts);
  if (opts.syslog)
    await sendSyslog(
      opts.syslog,
      alertSyslogMessages(result.alerts, (a) => formatCef(a)),
    );
  if (opts.failOn && result.alerts.some((a) => severityRank(a.severity) >= severityRank(opts.failOn!)))
    return EXIT_ALERT;
  return 0;
}

function render(result: AnalyzeResult, format: AnalyzeCliOptions['format']): string {
  if (format === 'jsonl') return formatJsonl([...result.alerts, ...result.devices, result.summary]);
  if (format === 'cef') return result.alerts.map((a: AlertRecord) => `${formatCef(a)}\n`).join('');
  return (
    [formatAlertTable(result.alerts), devicesTable(result.devices), summaryText(result.summary)].join('\n\n') + '\n'
  );
}

/** Print the records in the chosen format to stdout or --out. */
export async function printResult(
  result: AnalyzeResult,
  opts: Pick<AnalyzeCliOptions, 'format' | 'out' | 'progress'>,
): Promise<void> {
  const text = render(result, opts.format);
  if (!opts.out) {
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const ws = createWriteStream(opts.out!);
    ws.on('error', (err) => reject(new WardwatchError('WW_ARGS', `cannot write ${opts.out}: ${err.message}`)));
    ws.end(text, () => resolve());
  });
}
