// The options of every command that prints analysis records (`analyze`, `watch`), defined once:
// format, output, config, policy, fail-on, syslog, --utc for the table's times, and the stream's
// cadences.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { SEVERITIES, type Severity } from '../contract/records.js';

/** `json` is an alias of `jsonl`: the records are JSON documents, one a line. */
export type RecordFormat = 'table' | 'jsonl' | 'cef';

export interface RecordCliOptions {
  format: RecordFormat;
  out?: string;
  config?: string;
  policy?: string;
  failOn?: Severity;
  syslog?: string;
  /** Table times in UTC instead of local time with its offset. */
  utc?: boolean;
  /** Seconds; 0 = only the final summary. */
  summaryEvery: number;
  /** Seconds between alert updates (and device checks) in a stream. */
  updateEvery: number;
}

/** `60`, `60s`, `5m`, `1h` → seconds (0 allowed: "never"). */
export function parseSeconds(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`expected seconds like 60, 60s, 5m or 1h, got '${value}'`);
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

export function addRecordOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('-f, --format <format>', 'output format (json is the same as jsonl)')
        .choices(['table', 'jsonl', 'json', 'cef'])
        .default('table')
        .argParser((v: string): RecordFormat => {
          if (v === 'json') return 'jsonl';
          if (v === 'table' || v === 'jsonl' || v === 'cef') return v;
          throw new InvalidArgumentError(`Allowed choices are table, jsonl, json, cef.`);
        }),
    )
    .option('-o, --out <file>', 'write the records to a file instead of stdout')
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
    .option('--utc', 'table output: times in UTC (default: local time with its UTC offset)')
    .addOption(
      new Option('--summary-every <duration>', 'streams: a summary record this often (60s, 5m; 0 = only at the end)')
        .argParser(parseSeconds)
        .default(60, '60s'),
    )
    .addOption(
      new Option(
        '--update-every <duration>',
        'streams: at most one update per alert this often (capture and wall time)',
      )
        .argParser(parseSeconds)
        .default(10, '10s'),
    );
}
