// A streaming run's records on their way out (`watch`, `analyze -`): jsonl writes every record
// as it comes (alert, alert-update, incident, device, summary); cef writes a line per alert and per update
// (the alert as it now stands: SIEMs fold by signature and addresses); syslog sends those CEF
// lines as they come. `table` is not a stream: it prints at the end (`printResult`).
import type { AlertRecord } from '../contract/records.js';
import type { Pipeline } from '../engine/analyze.js';
import type { RecordSink, StreamOptions } from '../engine/stream.js';
import { WardwatchError } from '../errors.js';
import { formatCef } from '../export/cef.js';
import { jsonlLine } from '../export/jsonl.js';
import { SyslogStream } from '../export/transport/syslog.js';
import { openStreamOutput, type StreamOutput } from './output.js';
import type { RecordCliOptions, RecordFormat } from './record-options.js';

export interface CliStream {
  /** For the Pipeline (`new Pipeline({ stream })`). */
  readonly options: StreamOptions;
  /** Starts the wall-clock cadences: updates every --update-every, summaries every --summary-every. */
  attach(pipeline: Pipeline): void;
  /** Stops the cadences and waits for every record to be written and sent (exit 74 when one was not). */
  end(): Promise<void>;
}

/**
 * Opens a streaming run's destinations now (before the run: a bad path or syslog URL is exit 1).
 * With `--format table` only syslog streams; the table is printed at the end by the caller.
 */
export async function openCliStream(opts: RecordCliOptions): Promise<CliStream> {
  if (!(opts.updateEvery > 0)) throw new WardwatchError('WW_ARGS', '--update-every must be more than 0 seconds');
  const syslog = opts.syslog !== undefined ? new SyslogStream(opts.syslog) : undefined;
  const out = opts.format === 'table' ? undefined : await openStreamOutput(opts.out, '--out');
  const timers: NodeJS.Timeout[] = [];
  return {
    options: { sink: cliSink(opts.format, out, syslog), updateSeconds: opts.updateEvery },
    attach(pipeline) {
      const every = (sec: number, fn: () => void) => {
        const t = setInterval(fn, sec * 1000);
        t.unref();
        timers.push(t);
      };
      every(opts.updateEvery, () => pipeline.stream?.tick());
      if (opts.summaryEvery > 0) every(opts.summaryEvery, () => pipeline.interimSummary());
    },
    async end() {
      for (const t of timers) clearInterval(t);
      const results = await Promise.allSettled([out?.end(), syslog?.close()]);
      for (const r of results) if (r.status === 'rejected') throw r.reason;
    },
  };
}

export function cliSink(format: RecordFormat, out: StreamOutput | undefined, syslog?: SyslogStream): RecordSink {
  const cef = (a: AlertRecord) => {
    if (format === 'cef') out?.write(`${formatCef(a)}\n`);
    syslog?.send({ msg: formatCef(a), severity: a.severity, time: a.last, msgid: a.rule });
  };
  const json = format === 'jsonl' && out !== undefined ? out : undefined;
  return {
    alert(a) {
      json?.write(jsonlLine(a));
      cef(a);
    },
    update(u, full) {
      json?.write(jsonlLine(u));
      if (full !== undefined) cef(full);
    },
    incident: json ? (i) => json.write(jsonlLine(i)) : undefined,
    device: json ? (d) => json.write(jsonlLine(d)) : undefined,
    summary: json ? (s) => json.write(jsonlLine(s)) : undefined,
  };
}
