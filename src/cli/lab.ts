// `wardwatch lab up|run|down`: the network-namespace testbed (root). `run` captures live
// traffic on the gateway, then analyses it with the lab's config and prints the alerts.
import type { Command } from 'commander';
import { formatAlertTable } from '../export/table.js';
import { analyzeCaptures } from '../engine/analyze.js';
import { WardwatchError } from '../errors.js';
import { labUp, NS } from '../lab/net.js';
import { labDown, labRun } from '../lab/run.js';
import type { Register } from './commands.js';
import { exampleText } from './examples.js';

export const register: Register = (program: Command) => {
  const lab = program
    .command('lab')
    .description('network-namespace testbed: ward → gateway → outside (203.0.113.0/24); needs root')
    .addHelpText(
      'after',
      exampleText([
        'sudo wardwatch lab up',
        'sudo wardwatch lab run cms8000 --seconds 30 -o lab.pcap',
        'sudo wardwatch lab down',
      ]),
    );
  lab
    .command('up')
    .description(`create the namespaces (${Object.values(NS).join(', ')}); idempotent`)
    .addHelpText('after', exampleText(['sudo wardwatch lab up']))
    .action(() => {
      const r = labUp();
      process.stderr.write(r.created ? `lab up: created ${Object.values(NS).join(', ')}\n` : 'lab up: already up\n');
    });
  lab
    .command('run')
    .description('run a scenario live in the lab, capture on the gateway, analyze, print alerts')
    .argument('[scenario]', 'cms8000 (monitors + one backdoor monitor) or ward (benign)', 'cms8000')
    .option('--seconds <n>', 'how long the monitors send', '20')
    .option('-o, --out <file>', 'where to write the capture file (.pcap)')
    .addHelpText(
      'after',
      exampleText(['sudo wardwatch lab run', 'sudo wardwatch lab run ward --seconds 60 -o ward-lab.pcap']),
    )
    .action(async (scenario: string, o: { seconds: string; out?: string }) => {
      if (scenario !== 'cms8000' && scenario !== 'ward')
        throw new WardwatchError('WW_ARGS', `lab run: scenario must be cms8000 or ward, got '${scenario}'`);
      const seconds = Number(o.seconds);
      if (!Number.isFinite(seconds) || seconds < 3 || seconds > 3600)
        throw new WardwatchError('WW_ARGS', '--seconds: expected 3…3600');
      const r = await labRun({ scenario, seconds, out: o.out, log: (l) => process.stderr.write(`${l}\n`) });
      process.stderr.write(`capture: ${r.capture} (${r.packets} packets)\nconfig: ${r.config}\n`);
      for (const m of r.monitors)
        process.stderr.write(`monitor ${m.app}: ${JSON.stringify(m.result ?? 'no result')}\n`);
      const res = await analyzeCaptures([r.capture], { configPath: r.config });
      process.stdout.write(`${formatAlertTable(res.alerts)}\n`);
    });
  lab
    .command('down')
    .description('stop every process the lab started and delete its namespaces')
    .addHelpText('after', exampleText(['sudo wardwatch lab down']))
    .action(() => {
      const r = labDown();
      process.stderr.write(
        `lab down: stopped ${r.killed} processes, removed ${r.namespaces.join(', ') || 'no namespaces'}\n`,
      );
    });
};
