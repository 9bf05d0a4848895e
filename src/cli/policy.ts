// `wardwatch policy …`: learn a proposal from captures, simulate a policy against captures,
// compile it (nftables, dnsmasq). apply/confirm/rollback/status/grant live in policy-apply.ts,
// MUD in policy-mud.ts. Thin: parse arguments, call the library, print.
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
import { examples } from './examples.js';
import { documentFormat } from './format-option.js';
import { writeAfter } from './output.js';
import { fileProgress } from './progress.js';
import { repeatable } from './repeat.js';

/** Reads captures with a progress bar on stderr (a terminal only; --no-progress turns it off). */
async function withProgress<T>(
  enabled: boolean,
  run: (onProgress: (file: string, offset: number, total: number) => void) => Promise<T>,
): Promise<T> {
  const progress = fileProgress(enabled && process.stderr.isTTY === true);
  try {
    return await run((f, o, t) => progress.update(f, o, t));
  } finally {
    progress.stop();
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
  examples(policy, [
    'wardwatch policy learn -o ward-policy.yaml ward.pcap',
    'wardwatch policy simulate ward-policy.yaml ward.pcap',
    'wardwatch policy compile ward-policy.yaml --target nftables -o ward.nft',
  ]);

  const learnCmd = policy
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
    .option('--no-progress', 'no progress bar on stderr');
  examples(learnCmd, [
    'wardwatch policy learn ward.pcap',
    'wardwatch policy learn --mode enforce -c ward.yaml -o ward-policy.yaml monday.pcap tuesday.pcap',
  ]).action(async (captures: string[], o: { out?: string; config?: string; mode: 'alert'; progress: boolean }) =>
    writeAfter(o.out, async () => {
      const r = await withProgress(o.progress, (onProgress) =>
        learnFromCaptures(captures, { configPath: o.config, mode: o.mode, onProgress }),
      );
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
      const head = `# Proposed by \`wardwatch policy learn\` from ${captures.join(', ')}.\n# Review every rule; deny rules name the alert that raised them.\n`;
      return head + stringify(r.policy, { lineWidth: 0 });
    }),
  );

  const simulateCmd = policy
    .command('simulate')
    .description('replay captures against a policy: what would be blocked, what still passes')
    .argument('<policy>', 'policy file (YAML/JSON)')
    .argument('<captures...>', 'capture files')
    .addOption(documentFormat(['table', 'json'], 'table'))
    .option('-o, --out <file>', 'write the result to a file instead of stdout')
    .option('-c, --config <file>', 'config file')
    .option('--no-progress', 'no progress bar on stderr');
  examples(simulateCmd, [
    'wardwatch policy simulate ward-policy.yaml ward.pcap',
    'wardwatch policy simulate --format json -o verdicts.json ward-policy.yaml a.pcap b.pcapng',
  ]).action(
    async (
      file: string,
      captures: string[],
      o: { format: 'table' | 'json'; out?: string; config?: string; progress: boolean },
    ) =>
      writeAfter(o.out, async () => {
        const policyFile = loadPolicy(file);
        const r = await withProgress(o.progress, (onProgress) =>
          simulateCaptures(policyFile, captures, { configPath: o.config, onProgress }),
        );
        for (const w of r.warnings)
          process.stderr.write(
            `\n!!! WARNING: ${w.message}\n!!! never break monitoring: fix the policy before applying it\n`,
          );
        return o.format === 'json' ? `${JSON.stringify(r, null, 2)}\n` : `${simulateTable(r)}\n`;
      }),
  );

  const compileCmd = policy
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
    .option('-o, --out <file>', 'write to a file instead of stdout');
  examples(compileCmd, [
    'wardwatch policy compile ward-policy.yaml',
    'wardwatch policy compile ward-policy.yaml --target dnsmasq --capture ward.pcap -o ward-dnsmasq.conf',
  ]).action(
    async (
      file: string,
      o: { target: 'nftables' | 'dnsmasq'; capture?: string[]; maxCacheTtl: string; out?: string },
    ) => {
      const ttl = Number(o.maxCacheTtl);
      if (!Number.isInteger(ttl) || ttl < 1)
        throw new WardwatchError('WW_ARGS', `--max-cache-ttl: expected seconds, got '${o.maxCacheTtl}'`);
      await writeAfter(o.out, async () => {
        const r = compileText(file, o.target, { addresses: await addressesFrom(o.capture), maxCacheTtl: ttl });
        for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
        return r.text;
      });
    },
  );

  registerApply(policy);
  registerMud(policy);
};
