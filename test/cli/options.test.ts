// Option consistency over the whole command tree: --format json wherever a format is chosen
// (jsonl refused by name where the output is one JSON document), no variadic option anywhere
// (list options are repeated and never swallow positionals), README's exit-code table is
// src/errors.ts's, and the --help footer lists them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { loadCommands } from '../../src/cli/commands.js';
import { allCommands, buildProgram, commandPath } from '../../src/cli/program.js';
import { EXIT_CODES } from '../../src/errors.js';
import { REPO_ROOT } from '../helpers/paths.js';

/** Every command's register (main.ts loads only the one asked for). */
const REGISTERS = await loadCommands();

/** Parses with every action replaced by one that records its arguments. */
function parse(args: string[]): { error?: string; ran?: string; values?: unknown[] } {
  const program = buildProgram(REGISTERS);
  let ran: string | undefined;
  let values: unknown[] | undefined;
  for (const c of [program, ...allCommands(program)]) {
    c.exitOverride();
    c.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    if (c.commands.length === 0)
      c.action((...a: unknown[]) => {
        ran = commandPath(c);
        values = a.slice(0, -1);
      });
  }
  try {
    program.parse(args, { from: 'user' });
  } catch (err) {
    return { error: (err as CommanderError).message };
  }
  return { ran, values };
}

const program = buildProgram(REGISTERS);
const commands = allCommands(program).filter((c) => c.name() !== 'help');
const withFormat = commands.filter((c) => c.options.some((o) => o.long === '--format'));

/** Arguments that satisfy a command's required arguments and options (to reach the format check). */
function minimal(cmd: Command): string[] {
  const args = commandPath(cmd).split(' ').slice(1);
  for (const o of cmd.options)
    if (o.mandatory || o.required) {
      if (o.mandatory) args.push(o.long!, o.argChoices?.[0] ?? 'x');
    }
  for (const a of cmd.registeredArguments) if (a.required) args.push('x.pcap');
  return args;
}

describe('--format json', () => {
  it('is on every command that chooses a format', () => {
    expect(withFormat.map(commandPath)).toEqual(
      expect.arrayContaining([
        'wardwatch analyze',
        'wardwatch watch',
        'wardwatch inventory',
        'wardwatch report',
        'wardwatch firmware audit',
        'wardwatch policy simulate',
        'wardwatch policy status',
      ]),
    );
  });

  it.each(withFormat.map(commandPath))('%s accepts json, and jsonl or a refusal that names json', (path) => {
    const cmd = withFormat.find((c) => commandPath(c) === path)!;
    const base = minimal(cmd);
    const json = parse([...base, '--format', 'json']);
    expect(json.error).toBeUndefined();
    expect(json.ran).toBe(path);
    const jsonl = parse([...base, '--format', 'jsonl']);
    if (jsonl.error !== undefined) expect(jsonl.error).toMatch(/jsonl.*use --format json/);
    else expect(json.values).toEqual(jsonl.values); // the alias gives the same options
    expect(parse([...base, '--format', 'xml']).error).toMatch(/Allowed choices/);
  });
});

describe('list options', () => {
  it('no option anywhere is variadic (it would swallow the positionals after it)', () => {
    const variadic = commands.flatMap((c) =>
      c.options.filter((o) => o.variadic).map((o) => `${commandPath(c)} ${o.flags}`),
    );
    expect(variadic).toEqual([]);
  });

  it('firmware audit --capture a --capture b IMAGE: two captures, IMAGE the image', () => {
    const r = parse(['firmware', 'audit', '--capture', 'a.pcap', '--capture', 'b.pcap', 'fw.img']);
    expect(r.error).toBeUndefined();
    expect(r.values?.[0]).toBe('fw.img');
    expect(r.values?.[1]).toMatchObject({ capture: ['a.pcap', 'b.pcap'] });
  });

  it('policy compile --capture a POLICY, and policy apply --capture/--watch-device repeated', () => {
    const c = parse(['policy', 'compile', '--capture', 'a.pcap', 'p.yaml', '--capture', 'b.pcap']);
    expect(c.values?.[0]).toBe('p.yaml');
    expect(c.values?.[1]).toMatchObject({ capture: ['a.pcap', 'b.pcap'] });
    const a = parse([
      'policy',
      'apply',
      '--watch-device',
      '10.0.0.1',
      'p.yaml',
      '--watch-device',
      '10.0.0.2',
      '--host',
    ]);
    expect(a.values?.[0]).toBe('p.yaml');
    expect(a.values?.[1]).toMatchObject({ watchDevice: ['10.0.0.1', '10.0.0.2'], host: true });
    const ap = parse(['policy', 'apply', '--capture', 'a.pcap', 'p.yaml', '--host']);
    expect(ap.values?.[0]).toBe('p.yaml');
    expect(ap.values?.[1]).toMatchObject({ capture: ['a.pcap'] });
  });
});

describe('exit codes', () => {
  it("README's table lists src/errors.ts's codes, in order", () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.split('\n## Exit codes\n')[1]?.split('\n## ')[0] ?? '';
    const codes = [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(codes).toEqual(EXIT_CODES.map((e) => e.code));
  });

  it('wardwatch --help ends with them', () => {
    let help = '';
    program.configureOutput({ writeOut: (s) => (help += s) });
    program.outputHelp();
    const footer = help.split('\nExit codes:\n')[1] ?? '';
    for (const e of EXIT_CODES) expect(footer).toContain(`${String(e.code).padEnd(3)} ${e.meaning}`);
  });
});
