// Every command's --help ends with an Examples block (test/cli/help.test.ts parses each line
// that starts with `wardwatch `). A line may start with `sudo ` or be a pipeline ending in one.
import type { Command } from 'commander';

export function examples(cmd: Command, lines: readonly string[], before = ''): Command {
  return cmd.addHelpText('after', `${before}\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`);
}
