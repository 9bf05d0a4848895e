// The command tree, built without running anything: main.ts parses argv with it (with only the
// command asked for, `loadCommands(argv[2])`), and the CLI tests walk the whole tree (every
// command's examples parse, help texts keep one spelling).
import { Command } from 'commander';
import { exitCodesHelp } from '../errors.js';
import type { Register } from './commands.js';

export function buildProgram(commands: readonly Register[]): Command {
  const program = new Command();
  program
    .name('wardwatch')
    .description('watch, explain and contain the network behaviour of bedside medical devices')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  program.addHelpText(
    'after',
    `
Examples:
  wardwatch analyze ward.pcap
  wardwatch inventory --format json ward.pcap
  wardwatch report --format html -o breach.html ward.pcap

Exit codes:
${exitCodesHelp()}`,
  );
  return program;
}

/** Every command under `root` (itself excluded), depth first: the tests' walk. */
export function allCommands(root: Command): Command[] {
  return root.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** `wardwatch policy learn` for the command `learn` under `policy`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
