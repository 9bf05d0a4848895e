#!/usr/bin/env node
// Entry point: one file per command under src/cli/, each exporting `register(program)`.
// Thin by rule: parse arguments, call the library, print. Exit codes are in src/errors.ts.
import { CommanderError } from 'commander';
import { EXIT_OUTPUT, EXIT_USAGE, WardwatchError } from '../errors.js';
import { exitWithLauncher } from './parent.js';
import { loadCommands } from './commands.js';
import { buildProgram } from './program.js';

exitWithLauncher();

// A reader that goes away (`wardwatch watch … | head`) closes stdout under a streaming run: stdout
// then emits EPIPE as an 'error' event, which unhandled would be a crash with a stack trace. It is
// the documented exit 74 (the output is incomplete), said in one line; whatever was already
// written stays written (the spool, kept captures and the store are written apart from stdout).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') {
    process.stderr.write('wardwatch: stdout was closed by its reader (broken pipe); the output is incomplete\n');
    process.exit(EXIT_OUTPUT);
  }
  process.stderr.write(`wardwatch: writing to stdout failed: ${err.message}\n`);
  process.exit(EXIT_OUTPUT);
});

// Only the command asked for is loaded (its modules alone); anything else loads every command.
const program = buildProgram(await loadCommands(process.argv[2]));

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
      if (err.code === 'commander.help') process.exit(0);
      process.exit(EXIT_USAGE);
    }
    if (err instanceof WardwatchError) {
      process.stderr.write(`wardwatch: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    process.stderr.write(
      `wardwatch: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(70);
  }
}

void main();
