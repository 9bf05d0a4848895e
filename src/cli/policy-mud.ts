// `wardwatch policy export-mud | import-mud`: a device policy as an IETF MUD file (RFC 8520) and back.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { PolicyFile } from '../contract/policy.js';
import { loadPolicy } from '../config/policy.js';
import { WardwatchError } from '../errors.js';
import { exportMud, importMud } from '../policy/mud/mud.js';
import { writeAfter } from './output.js';
import { exampleText } from './examples.js';

/** Stdout or --out: an unwritable path is exit 1, a failed write exit 74 (output.ts). */
function write(text: string, out?: string): Promise<void> {
  return writeAfter(out, () => text);
}

export function registerMud(policy: Command): void {
  policy
    .command('export-mud')
    .description('write one device policy as an IETF MUD file (RFC 8520, JSON)')
    .argument('<policy>', 'policy file')
    .requiredOption('--device <which>', 'the device policy: its name, match.mac or match.ip')
    .requiredOption('--url <url>', 'the MUD URL the file will be served at (mud-url)')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .addHelpText(
      'after',
      exampleText([
        'wardwatch policy export-mud ward-policy.yaml --device 00:1b:4f:12:34:56 --url https://mud.example/cms8000.json -o cms8000.mud.json',
      ]),
    )
    .action(async (file: string, o: { device: string; url: string; out?: string }) => {
      const p = loadPolicy(file);
      const sel = o.device.toLowerCase();
      const d = p.devices.find(
        (x) => x.name?.toLowerCase() === sel || x.match.mac?.toLowerCase() === sel || x.match.ip === o.device,
      );
      if (d === undefined)
        throw new WardwatchError('WW_ARGS', `${file}: no device policy named or matching '${o.device}'`);
      await write(`${JSON.stringify(exportMud(d, { url: o.url, systeminfo: d.name }), null, 2)}\n`, o.out);
    });

  policy
    .command('import-mud')
    .description('turn an IETF MUD file into a policy (YAML) for one device, to review')
    .argument('<mud>', 'MUD file (JSON)')
    .option('--mac <mac>', 'the device it is for')
    .option('--model <model>', 'or the model it is for')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .addHelpText(
      'after',
      exampleText(['wardwatch policy import-mud cms8000.mud.json --model CMS8000 -o cms8000-policy.yaml']),
    )
    .action(async (file: string, o: { mac?: string; model?: string; out?: string }) => {
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
      await write(
        `# Imported by \`wardwatch policy import-mud\` from ${file}; review before use.\n${stringify(pf, { lineWidth: 0 })}`,
        o.out,
      );
    });
}
