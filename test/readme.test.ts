// The README stays true: its config example is a valid config, and it documents every command.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/detect/config.js';
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
    const commands = [...help.matchAll(/^ {2}(\w[\w-]*)\b/gm)].map((x) => x[1]!).filter((c) => c !== 'help');
    expect(commands.sort()).toEqual(['analyze', 'bench', 'firmware', 'inventory', 'lab', 'report', 'sim', 'watch']);
    for (const c of commands) expect(readme).toContain(`wardwatch ${c}`);
  });
});
