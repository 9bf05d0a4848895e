// Every registered command (and subcommand) ends its --help with examples that parse, and the
// help texts keep one spelling (README "CLI conventions"). The walk is over the real command tree
// (src/cli/program.ts), so a new command without examples fails here.
import type { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, loadCommands } from '../../src/cli/commands.js';
import { allCommands, buildProgram, commandPath } from '../../src/cli/program.js';

/** Every command's register (main.ts loads only the one asked for). */
const REGISTERS = await loadCommands();

/** Shell words of one example line: double/single quotes, no expansions (examples use none). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** The `wardwatch …` part of an example line (after `sudo `, or after the last `| `). */
function wardwatchArgs(line: string): string[] | undefined {
  const cmd =
    line
      .split(' | ')
      .at(-1)
      ?.replace(/^sudo /, '') ?? '';
  if (!cmd.startsWith('wardwatch ')) return undefined;
  return words(cmd).slice(1);
}

function exampleLines(cmd: Command): string[] {
  let help = '';
  cmd.configureOutput({ writeOut: (s) => (help += s), writeErr: () => {} });
  cmd.outputHelp();
  const at = help.lastIndexOf('\nExamples:\n');
  if (at < 0) return [];
  return help
    .slice(at + '\nExamples:\n'.length)
    .split('\n')
    .filter((l) => l.startsWith('  '))
    .map((l) => l.trim());
}

/** Parses `args` with every action replaced: which command would run, or the commander error. */
function parse(args: string[]): { ran?: string; error?: string } {
  const program = buildProgram(REGISTERS);
  let ran: string | undefined;
  for (const c of [program, ...allCommands(program)]) {
    c.exitOverride();
    c.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    if (c.commands.length === 0)
      c.action(() => {
        ran = commandPath(c);
      });
  }
  try {
    program.parse(args, { from: 'user' });
  } catch (err) {
    return { error: (err as CommanderError).message };
  }
  return { ran };
}

const program = buildProgram(REGISTERS);
const commands = allCommands(program).filter((c) => c.name() !== 'help');

describe('every command has examples that parse', () => {
  it('the tree is the whole CLI (guards the walk itself)', () => {
    const paths = commands.map(commandPath);
    for (const p of ['wardwatch analyze', 'wardwatch policy learn', 'wardwatch token revoke', 'wardwatch lab run'])
      expect(paths).toContain(p);
    expect(paths.length).toBeGreaterThanOrEqual(28);
  });

  it.each(['wardwatch', ...commands.map(commandPath)])('%s --help ends with examples', (path) => {
    const cmd = path === 'wardwatch' ? program : commands.find((c) => commandPath(c) === path)!;
    const lines = exampleLines(cmd);
    const runnable = lines.map(wardwatchArgs).filter((a): a is string[] => a !== undefined);
    expect(runnable.length, `${path}: no example line starting with "wardwatch "`).toBeGreaterThan(0);
    for (const args of runnable) {
      const r = parse(args);
      expect(r.error, `${path}: example "wardwatch ${args.join(' ')}"`).toBeUndefined();
      // The example runs this command (a parent's examples run one of its subcommands).
      expect(r.ran === path || (r.ran ?? '').startsWith(`${path} `), `wardwatch ${args.join(' ')} ran ${r.ran}`).toBe(
        true,
      );
    }
  });

  it('the parse check can fail: a bad choice, a missing argument, an unknown option', () => {
    expect(parse(['inventory', '--format', 'xml', 'a.pcap']).error).toMatch(/Allowed choices/);
    expect(parse(['policy', 'simulate', 'p.yaml']).error).toMatch(/missing required argument/);
    expect(parse(['report', '--bogus', 'a.pcap']).error).toMatch(/unknown option/);
    expect(parse(['extract', 'a.pcap', '-o', 'x.pcap']).error).toMatch(/--alert/);
    expect(parse(['inventory', 'a.pcap']).ran).toBe('wardwatch inventory');
  });
});

/** Spellings the help texts do not use, with the one they use instead. */
const VARIANTS: readonly [RegExp, string][] = [
  [/\bPostgres\b(?!QL)|\bpostgresql\b|\bpostgres\b(?!:\/\/)/, 'PostgreSQL (a URL stays postgres://)'],
  [/pcap-ng|\bpcapNG\b|\bPcapNG\b|\bPCAP(NG)?\b|\bPcap/, 'pcap, pcapng'],
  [/\bpcap, pcapng\b|\bpcap or pcapng\b/, 'pcap/pcapng'],
  [/\bpcap files?\b|\bcapture-files?\b|\btrace files?\b/i, 'capture file'],
  [/\banalys(e|ed|es|ing)\b/i, 'analyze (as the command)'],
  [/standard input/i, 'stdin'],
];

function described(cmd: Command): { what: string; text: string }[] {
  const path = commandPath(cmd);
  return [
    { what: `${path}: description`, text: cmd.description() },
    ...cmd.options.map((o) => ({ what: `${path} ${o.flags}`, text: o.description })),
    ...cmd.registeredArguments.map((a) => ({ what: `${path} <${a.name()}>`, text: a.description })),
  ];
}

describe('help texts keep one spelling', () => {
  const all = [program, ...commands].flatMap(described);

  it('no variant spellings in any command, option or argument description', () => {
    const bad = all.flatMap(({ what, text }) =>
      VARIANTS.filter(([re]) => re.test(text)).map(([, use]) => `${what}: "${text}" (use ${use})`),
    );
    expect(bad).toEqual([]);
  });

  it("descriptions start lower case (as commander's own) unless with an acronym, and end without a period", () => {
    const bad = all.filter(
      ({ text }) =>
        text.endsWith('.') || (/^[A-Z][a-z]/.test(text.split(' ')[0] ?? '') && !/^[A-Z][a-z]+[A-Z]/.test(text)),
    );
    expect(bad.map((b) => `${b.what}: "${b.text}"`)).toEqual([]);
  });

  it('the checks can fail', () => {
    const hits = (t: string) => VARIANTS.filter(([re]) => re.test(t)).length;
    for (const t of [
      'a Postgres URL',
      'pcap-ng files',
      'Pcap file',
      'analyse the captures',
      're-analysing',
      'from standard input',
    ])
      expect(hits(t), t).toBeGreaterThan(0);
    for (const t of [
      'a PostgreSQL URL or postgres://h/db',
      'capture files (pcap/pcapng)',
      'stdin',
      'analyze',
      'live analysis',
      'analyst',
    ])
      expect(hits(t), t).toBe(0);
  });
});

describe('commands are loaded when asked for', () => {
  it('COMMAND_NAMES is exactly the tree’s top-level commands, in help order', () => {
    expect(buildProgram(REGISTERS).commands.map((c) => c.name())).toEqual([...COMMAND_NAMES]);
  });

  it('one command loads its module alone; token comes with user; anything else loads all', async () => {
    const names = async (arg?: string) => buildProgram(await loadCommands(arg)).commands.map((c) => c.name());
    expect(await names('analyze')).toEqual(['analyze']);
    expect(await names('token')).toEqual(['user', 'token']);
    for (const arg of [undefined, '--help', 'help', 'analyse', '-V'])
      expect(await names(arg)).toEqual([...COMMAND_NAMES]);
  });
});
