// `wardwatch policy …`: learn a proposal from captures, simulate a policy against captures,
// compile it (nftables, dnsmasq). apply/confirm/rollback/status/grant live in policy-apply.ts,
// MUD in policy-mud.ts. Thin: parse arguments, call the library, print.
import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { stringify } from 'yaml';
import { DEFAULT_SITE_CIDRS } from '../net/zones.js';
import { loadPolicy } from '../config/policy.js';
import { addressesFrom, learnFromCaptures, simulateCaptures } from '../engine/policy.js';
import { WardwatchError } from '../errors.js';
import { compileDnsmasq } from '../policy/compile/dnsmasq.js';
import { compileNftables } from '../policy/compile/nftables.js';
import type { SimulateResult } from '../policy/simulate.js';
import type { Register } from './commands.js';
import { registerApply } from './policy-apply.js';
import { registerMud } from './policy-mud.js';
import { textTable } from '../export/tables.js';
import { repeatable } from './repeat.js';

async function emit(text: string, out?: string): Promise<void> {
  if (out === undefined) {
    await new Promise<void>((res, rej) => process.stdout.write(text, (e) => (e ? rej(e) : res())));
    return;
  }
  try {
    writeFileSync(out, text);
  } catch (err) {
    throw new WardwatchError('WW_ARGS', `cannot write ${out}: ${(err as Error).message}`, { cause: err });
  }
}

function simulateTable(r: SimulateResult): string {
  const rows: string[][] = [];
  for (const d of r.devices)
    for (const [verdict, list] of [
      ['BLOCK', d.blocked],
      ['pass', d.allowed],
    ] as const)
      for (const e of list)
        rows.push([
          d.id,
          verdict,
          e.direction,
          `${e.dst}${e.port !== undefined ? `:${e.port}` : ''}`,
          e.proto,
          String(e.flows),
          String(e.packets),
          e.reason,
        ]);
  return textTable(['device', 'verdict', 'dir', 'peer', 'proto', 'flows', 'packets', 'reason'], rows);
}

export function compileText(
  policyFile: string,
  target: 'nftables' | 'dnsmasq',
  opts: { addresses?: Record<string, string[]>; maxCacheTtl?: number; now?: number },
) {
  const policy = loadPolicy(policyFile);
  const input = { policy, site: DEFAULT_SITE_CIDRS, ...opts };
  return target === 'nftables' ? compileNftables(input) : { ...compileDnsmasq(input), timeZone: 'UTC' };
}

export const register: Register = (program: Command) => {
  const policy = program
    .command('policy')
    .description('contain devices: learn a policy, simulate it, compile, apply with a way back, grant, MUD');

  policy
    .command('learn')
    .description('propose a policy per device from captures (review it before use)')
    .argument('<captures...>', 'capture files')
    .option('-o, --out <file>', 'write the proposal (YAML) to a file instead of stdout')
    .option('-c, --config <file>', 'config file (site ranges, indicators, hl7Receivers)')
    .addOption(
      new Option('--mode <mode>', 'mode written into the proposal')
        .choices(['learn', 'alert', 'enforce', 'local-only', 'quarantine'])
        .default('alert'),
    )
    .action(async (captures: string[], o: { out?: string; config?: string; mode: 'alert' }) => {
      const r = await learnFromCaptures(captures, { configPath: o.config, mode: o.mode });
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
      const head = `# Proposed by \`wardwatch policy learn\` from ${captures.join(', ')}.\n# Review every rule; deny rules name the alert that raised them.\n`;
      await emit(head + stringify(r.policy, { lineWidth: 0 }), o.out);
    });

  policy
    .command('simulate')
    .description('replay captures against a policy: what would be blocked, what still passes')
    .argument('<policy>', 'policy file (YAML/JSON)')
    .argument('<captures...>', 'capture files')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('-c, --config <file>', 'config file')
    .action(async (file: string, captures: string[], o: { format: 'table' | 'json'; config?: string }) => {
      const r = await simulateCaptures(loadPolicy(file), captures, { configPath: o.config });
      for (const w of r.warnings)
        process.stderr.write(
          `\n!!! WARNING: ${w.message}\n!!! never break monitoring: fix the policy before applying it\n`,
        );
      await emit(o.format === 'json' ? `${JSON.stringify(r, null, 2)}\n` : `${simulateTable(r)}\n`);
    });

  policy
    .command('compile')
    .description('compile a policy to nftables rules or dnsmasq nftset= lines')
    .argument('<policy>', 'policy file')
    .addOption(new Option('--target <target>', 'what to produce').choices(['nftables', 'dnsmasq']).default('nftables'))
    .option(
      '--capture <file>',
      'a capture giving the addresses of devices matched by MAC only (repeat for several)',
      repeatable,
    )
    .option('--max-cache-ttl <seconds>', "the resolver's max cache TTL (DNS-name sets keep elements longer)", '3600')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .action(
      async (
        file: string,
        o: { target: 'nftables' | 'dnsmasq'; capture?: string[]; maxCacheTtl: string; out?: string },
      ) => {
        const ttl = Number(o.maxCacheTtl);
        if (!Number.isInteger(ttl) || ttl < 1)
          throw new WardwatchError('WW_ARGS', `--max-cache-ttl: expected seconds, got '${o.maxCacheTtl}'`);
        const r = compileText(file, o.target, { addresses: await addressesFrom(o.capture), maxCacheTtl: ttl });
        for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
        await emit(r.text, o.out);
      },
    );

  registerApply(policy);
  registerMud(policy);
};
