// `wardwatch policy export-mud | import-mud`: a device policy as an IETF MUD file (RFC 8520) and back.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { PolicyFile } from '../contract/policy.js';
import { loadPolicy } from '../config/policy.js';
import { WardwatchError } from '../errors.js';
import { exportMud, importMud } from '../policy/mud/mud.js';

function write(text: string, out?: string): void {
  if (out === undefined) process.stdout.write(text);
  else writeFileSync(out, text);
}

export function registerMud(policy: Command): void {
  policy
    .command('export-mud')
    .description('write one device policy as an IETF MUD file (RFC 8520, JSON)')
    .argument('<policy>', 'policy file')
    .requiredOption('--device <which>', 'the device policy: its name, match.mac or match.ip')
    .requiredOption('--url <url>', 'the MUD URL the file will be served at (mud-url)')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .action((file: string, o: { device: string; url: string; out?: string }) => {
      const p = loadPolicy(file);
      const sel = o.device.toLowerCase();
      const d = p.devices.find(
        (x) => x.name?.toLowerCase() === sel || x.match.mac?.toLowerCase() === sel || x.match.ip === o.device,
      );
      if (d === undefined)
        throw new WardwatchError('WW_ARGS', `${file}: no device policy named or matching '${o.device}'`);
      write(`${JSON.stringify(exportMud(d, { url: o.url, systeminfo: d.name }), null, 2)}\n`, o.out);
    });

  policy
    .command('import-mud')
    .description('turn an IETF MUD file into a policy (YAML) for one device, to review')
    .argument('<mud>', 'MUD file (JSON)')
    .option('--mac <mac>', 'the device it is for')
    .option('--model <model>', 'or the model it is for')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .action((file: string, o: { mac?: string; model?: string; out?: string }) => {
      if (o.mac === undefined && o.model === undefined)
        throw new WardwatchError('WW_ARGS', 'say which device: --mac MAC or --model MODEL');
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new WardwatchError('WW_POLICY_INVALID', `${file}: not JSON: ${(e as Error).message}`, { cause: e });
      }
      const match = o.mac !== undefined ? { mac: o.mac.toLowerCase() } : { model: o.model };
      const r = importMud(json, match);
      for (const w of r.warnings) process.stderr.write(`warning: ${file}: ${w}\n`);
      const pf: PolicyFile = { version: 2, devices: [r.policy] };
      write(
        `# Imported by \`wardwatch policy import-mud\` from ${file}; review before use.\n${stringify(pf, { lineWidth: 0 })}`,
        o.out,
      );
    });
}
