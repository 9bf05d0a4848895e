// `wardwatch sensor status [--spool DIR] [--format table|json]`: what a sensor's spool holds and
// what the console last acked — read from the spool directory, so it works while the sensor runs
// (or after it died) and needs no console.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { exampleText } from './examples.js';
import { documentFormat } from './format-option.js';
import { WardwatchError } from '../errors.js';
import { readSpoolState, Spool, type SpoolState } from '../export/transport/sensor-spool.js';
import type { Register } from './commands.js';
import { defaultSensorName, defaultSpoolDir } from './sensor-ship.js';

/** The spool's counters (`SpoolState` without its raw ack times), what it holds now, and the rates. */
export interface SensorStatus extends Omit<SpoolState, 'recent'> {
  spool: string;
  files: number;
  bytes: number;
  /** Records + rows acked per second over the last minute, and batches per minute. */
  acceptedPerSecond: number;
  batchesLastMinute: number;
}

export function sensorStatus(dir: string, now = Date.now()): SensorStatus {
  if (!existsSync(dir))
    throw new WardwatchError('WW_ARGS', `no spool at ${dir} (give --spool DIR)`, { field: '--spool' });
  const s = readSpoolState(dir);
  const spool = new Spool({ dir, readOnly: true, onWarning: () => undefined });
  const recent = s.recent.filter(([t]) => t >= now - 60_000);
  return {
    spool: dir,
    files: spool.files.length,
    bytes: spool.bytes,
    spooled: s.spooled,
    acked: s.acked,
    duplicates: s.duplicates,
    dropped: s.dropped,
    rejected: s.rejected,
    corrupt: s.corrupt,
    accepted: s.accepted,
    acceptedPerSecond: Math.round((recent.reduce((n, [, a]) => n + a, 0) / 60) * 10) / 10,
    batchesLastMinute: recent.length,
    ...(s.lastAck ? { lastAck: s.lastAck } : {}),
    ...(s.updatedAt ? { updatedAt: s.updatedAt } : {}),
  };
}

export function formatSensorStatus(st: SensorStatus): string {
  const last = st.lastAck
    ? `${st.lastAck.at}  seq ${st.lastAck.seq}${st.lastAck.duplicate ? ' (duplicate)' : ''}`
    : 'never';
  const rows: [string, string][] = [
    ['spool', st.spool],
    ['waiting', `${st.files} batch(es), ${st.bytes} bytes`],
    ['last ack', last],
    ['rate', `${st.acceptedPerSecond} records+rows/s, ${st.batchesLastMinute} batches in the last minute`],
    ['acked', `${st.acked} (${st.duplicates} duplicates), ${st.accepted} records+rows`],
    ['dropped', `${st.dropped} (spool full), ${st.rejected} refused by the console, ${st.corrupt} corrupt`],
  ];
  return `${rows.map(([k, v]) => `${k.padEnd(9)} ${v}`).join('\n')}\n`;
}

export const register: Register = (program: Command) => {
  const sensor = program
    .command('sensor')
    .description('this box as a sensor of a console (see watch/analyze --to)')
    .addHelpText(
      'after',
      exampleText(['wardwatch sensor status', 'wardwatch sensor status --sensor icu-3 --format json']),
    );
  sensor
    .command('status')
    .description('spool size and files, last ack, rates, dropped batches')
    .option('--spool <dir>', 'the spool directory (default $WARDWATCH_HOME/spool/<host name>)')
    .option('--sensor <name>', 'the sensor name whose default spool to read')
    .addOption(documentFormat(['table', 'json'] as const, 'table'))
    .addHelpText(
      'after',
      exampleText([
        'wardwatch sensor status',
        'wardwatch sensor status --spool /var/lib/wardwatch/spool --format json',
      ]),
    )
    .action((opts: { spool?: string; sensor?: string; format: 'table' | 'json' }) => {
      const st = sensorStatus(opts.spool ?? defaultSpoolDir(opts.sensor ?? defaultSensorName()));
      process.stdout.write(opts.format === 'json' ? `${JSON.stringify(st)}\n` : formatSensorStatus(st));
    });
};
