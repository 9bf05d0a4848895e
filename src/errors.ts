// One error base with stable codes users can match (after undici). Only the user's own input
// (files, config, arguments) throws; wire data never does — it becomes an anomaly event.

export type ErrorCode =
  | 'WW_ARGS' // bad command-line arguments
  | 'WW_CONFIG' // config file invalid
  | 'WW_CAPTURE_FORMAT' // not a capture file
  | 'WW_CAPTURE_IO' // cannot open/read the capture
  | 'WW_POLICY_INVALID'
  | 'WW_FIRMWARE'
  | 'WW_LAB'
  | 'WW_TOOL_MISSING'
  | 'WW_AUTH'
  | 'WW_OUTPUT' // writing the output (a file, stdout, syslog) failed after the run: exit 74
  | 'WW_INTERNAL';

/**
 * Exit codes (README "Exit codes"): 0 ok, 1 bad arguments/config, 2 input unreadable, 3 alert ≥
 * --fail-on, 74 output could not be written (sysexits EX_IOERR), 75 a sensor left batches unsent
 * (sysexits EX_TEMPFAIL: try again later), 70 internal error.
 */
export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_INPUT = 2;
export const EXIT_ALERT = 3;
export const EXIT_OUTPUT = 74;
/**
 * A sensor (`--to`) ended with batches the console never acked (its drain timed out): they stay
 * spooled and go first next time. Wins over EXIT_ALERT: a supervisor must be able to tell that the
 * console lacks data, and the alerts themselves are in the local output and the spool.
 */
export const EXIT_UNSENT = 75;
export const EXIT_INTERNAL = 70;

/**
 * Every exit code with its meaning, once: the `wardwatch --help` footer is made from it and a
 * test holds README's "Exit codes" table to it (same codes, same order).
 */
export const EXIT_CODES: readonly { readonly code: number; readonly meaning: string }[] = [
  { code: EXIT_OK, meaning: 'done (also for a damaged capture: the summary says damaged: true)' },
  { code: EXIT_USAGE, meaning: 'bad arguments or config, or an output path that cannot be written' },
  { code: EXIT_INPUT, meaning: 'input unreadable or not a capture file' },
  { code: EXIT_ALERT, meaning: 'an alert (or finding) at or above --fail-on' },
  { code: EXIT_INTERNAL, meaning: 'internal error (a bug: please report it with the stack trace)' },
  { code: EXIT_OUTPUT, meaning: 'the output could not be written after the run (it is incomplete)' },
  {
    code: EXIT_UNSENT,
    meaning: 'a sensor (--to) ended with batches not acked by the console: kept in the spool, sent first next time',
  },
];

/** The exit codes as help text lines (`  0   done …`). */
export function exitCodesHelp(): string {
  return EXIT_CODES.map((e) => `  ${String(e.code).padEnd(3)} ${e.meaning}`).join('\n');
}

const OS_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EPIPE: 'broken pipe',
  EEXIST: 'file exists',
  ENAMETOOLONG: 'file name too long',
  ECONNREFUSED: 'connection refused',
};

/** The OS reason of a failed file or socket operation, in words (`EISDIR (is a directory)`). */
export function osReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code !== undefined && OS_REASONS[code] !== undefined) return `${code} (${OS_REASONS[code]})`;
  return code ?? (err instanceof Error ? err.message : String(err));
}

/** Where the user's input was wrong, as fields a program can read (the message says it too). */
export interface ErrorWhere {
  /** The file the user gave (config, capture, policy, image). */
  readonly file?: string;
  /** 1-based line in `file` (YAML and text lists). */
  readonly line?: number;
  /** Byte offset in `file` (captures, images). */
  readonly offset?: number;
  /** The field, option or argument: a config key path ('rules.egress.beacon.severity'), '--out'. */
  readonly field?: string;
}

export interface ErrorOptions extends ErrorWhere {
  readonly cause?: unknown;
  readonly exitCode?: number;
}

export class WardwatchError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly offset: number | undefined;
  readonly field: string | undefined;
  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WardwatchError';
    this.code = code;
    this.exitCode =
      options.exitCode ??
      (code === 'WW_CAPTURE_FORMAT' || code === 'WW_CAPTURE_IO'
        ? EXIT_INPUT
        : code === 'WW_OUTPUT'
          ? EXIT_OUTPUT
          : EXIT_USAGE);
    this.file = options.file;
    this.line = options.line;
    this.offset = options.offset;
    this.field = options.field;
  }
}
