#!/usr/bin/env node
// Entry point: one file per command under src/cli/, each exporting `register(program)`.
// Thin by rule: parse arguments, call the library, print. Exit codes are in src/errors.ts.
import { CommanderError } from 'commander';
import { EXIT_USAGE, WardwatchError } from '../errors.js';
import { exitWithLauncher } from './parent.js';
import { buildProgram } from './program.js';

exitWithLauncher();

const program = buildProgram();

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
