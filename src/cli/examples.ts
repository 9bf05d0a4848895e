// Every command's --help ends with an Examples block (test/cli/help.test.ts parses each line
// that starts with `wardwatch ` or `sudo wardwatch `; a pipeline may end in one).
import type { Command } from 'commander';

/** The Examples block, for `addHelpText('after', …)` (after any other text of the command). */
export function exampleText(lines: readonly string[], before = ''): string {
  return `${before}\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

export function examples(cmd: Command, lines: readonly string[], before = ''): Command {
  return cmd.addHelpText('after', exampleText(lines, before));
}
