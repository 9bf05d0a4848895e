// Where the records go. A path the user names (--out, --sbom, --policy-out) is user input: it is
// opened before the run, so a directory, a missing directory or an unwritable file is a clear
// error (exit 1) before any work is done. A write that fails after the run (disk full, I/O error,
// a closed stdout) loses the records: that is exit 74, never success.
import { type FileHandle, open } from 'node:fs/promises';
import { osReason, WardwatchError } from '../errors.js';

export interface Output {
  /** Writes the whole text and closes; rejects with WW_OUTPUT (exit 74) when the write fails. */
  write(text: string): Promise<void>;
  /** Closes without writing (the run failed before there was anything to write). */
  close(): Promise<void>;
}

/** Opens (creates or truncates) `path` for writing now; `option` names the flag in the error. */
export async function openOutput(path: string, option: string): Promise<Output> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'w');
  } catch (err) {
    throw new WardwatchError('WW_ARGS', `${option} ${path}: cannot write there: ${osReason(err)}`, { cause: err });
  }
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await fh.close();
  };
  return {
    async write(text: string) {
      try {
        await fh.writeFile(text);
        await close();
      } catch (err) {
        await close().catch(() => undefined);
        throw new WardwatchError(
          'WW_OUTPUT',
          `${path}: writing the output failed: ${osReason(err)}; it is incomplete`,
          {
            cause: err,
          },
        );
      }
    },
    close,
  };
}

/** stdout as an Output: a failed write (a closed pipe, a full disk behind a redirect) is exit 74. */
export const stdoutOutput: Output = {
  write: (text) =>
    new Promise<void>((resolve, reject) =>
      process.stdout.write(text, (err) =>
        err
          ? reject(new WardwatchError('WW_OUTPUT', `writing to stdout failed: ${osReason(err)}`, { cause: err }))
          : resolve(),
      ),
    ),
  close: async () => {},
};

/**
 * Where a streaming run (`watch`, `analyze -`) writes records as they happen: `write` queues text
 * in order (never blocks the packet loop), `end` waits for it all and turns a failed write into
 * WW_OUTPUT (exit 74). A path is opened now, before the run, as `openOutput` does.
 */
export interface StreamOutput {
  write(text: string): void;
  end(): Promise<void>;
}

export async function openStreamOutput(path: string | undefined, option: string): Promise<StreamOutput> {
  let fh: FileHandle | undefined;
  if (path !== undefined) {
    try {
      fh = await open(path, 'w');
    } catch (err) {
      throw new WardwatchError('WW_ARGS', `${option} ${path}: cannot write there: ${osReason(err)}`, { cause: err });
    }
  }
  const name = path ?? 'stdout';
  let failure: unknown;
  let chain: Promise<void> = Promise.resolve();
  const put = (text: string): Promise<void> => {
    if (fh !== undefined) return fh.write(text).then(() => undefined);
    return new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
  };
  return {
    write(text) {
      chain = chain.then(() =>
        failure === undefined
          ? put(text).catch((err: unknown) => {
              failure = err;
            })
          : undefined,
      );
    },
    async end() {
      await chain;
      await fh?.close().catch((err: unknown) => {
        failure ??= err;
      });
      if (failure !== undefined)
        throw new WardwatchError('WW_OUTPUT', `writing to ${name} failed: ${osReason(failure)}; it is incomplete`, {
          cause: failure,
        });
    },
  };
}

/** `--out FILE` opened now (exit 1 if it cannot be), or stdout when no path is given. */
export async function outputTo(path: string | undefined, option = '--out'): Promise<Output> {
  return path === undefined ? stdoutOutput : openOutput(path, option);
}

/**
 * Opens the output before `run` (a bad path costs no work), writes what `run` returns, and
 * closes the file without writing when `run` fails.
 */
export async function writeAfter(path: string | undefined, run: () => Promise<string> | string, option = '--out') {
  const output = await outputTo(path, option);
  let text: string;
  try {
    text = await run();
  } catch (err) {
    await output.close();
    throw err;
  }
  await output.write(text);
}
