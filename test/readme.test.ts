// The README stays true: its config example is a valid config, and it documents every command.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/config.js';
import { wardwatch } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/paths.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('its config example parses as a config', () => {
    const m = /### Config file[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme);
    expect(m).not.toBeNull();
    const cfg = parseConfig(m![1]!, join(REPO_ROOT, 'README-example.yaml'));
    expect(cfg.site).toEqual(['10.40.0.0/16']);
    expect(cfg.dns.warmupSeconds).toBe(300);
    expect(cfg.suppressions).toHaveLength(1);
  });

  it('documents every command the CLI has', () => {
    const help = wardwatch(['--help']).stdout;
    const list = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
    const commands = [...list.matchAll(/^ {2}(\w[\w-]*)\b/gm)].map((x) => x[1]!).filter((c) => c !== 'help');
    expect(commands.sort()).toEqual([
      'analyze',
      'bench',
      'extract',
      'firmware',
      'inventory',
      'lab',
      'policy',
      'report',
      'sensor',
      'serve',
      'sim',
      'token',
      'user',
      'watch',
    ]);
    for (const c of commands) expect(readme).toContain(`wardwatch ${c}`);
  });

  it('installs the way CI does: the set-up and .ci/run both use npm ci, and .ci/run runs the README test command', () => {
    const setup = /## Set-up[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme);
    expect(setup).not.toBeNull();
    const lines = setup![1]!
      .trim()
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim());
    expect(lines).toHaveLength(2);
    expect(lines[0]!.startsWith('npm ci &&')).toBe(true);
    const ci = readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8');
    const steps = ci.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(steps).toContain('npm ci --no-audit --no-fund');
    expect(steps).not.toContain('npm install');
    expect(steps[steps.length - 1]).toBe(lines[1]);
  });
});
