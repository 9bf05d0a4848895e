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
  | 'WW_INTERNAL';

/** Exit codes (README "Exit codes"): 0 ok, 1 bad arguments/config, 2 input unreadable, 3 alert ≥ --fail-on. */
export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_INPUT = 2;
export const EXIT_ALERT = 3;

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
      options.exitCode ?? (code === 'WW_CAPTURE_FORMAT' || code === 'WW_CAPTURE_IO' ? EXIT_INPUT : EXIT_USAGE);
    this.file = options.file;
    this.line = options.line;
    this.offset = options.offset;
    this.field = options.field;
  }
}
