// `wardwatch bench [FILE]`: the benchmark of src/bench/run.ts (same as `npm run bench`).
import type { Command } from 'commander';
import { runBench } from '../bench/run.js';
import { WardwatchError } from '../errors.js';
import type { Register } from './commands.js';
import { exampleText } from './examples.js';

export const register: Register = (program: Command) => {
  program
    .command('bench')
    .description('time wardwatch, tcpdump, ndpiReader and tshark on the same capture; writes bench/results/<date>.json')
    .argument('[capture]', 'capture to use (default: generate a synthetic mixed capture)')
    .option('--packets <n>', 'packets in the generated capture', '2000000')
    .option('--scale <sizes>', 'further capture sizes for time and RSS vs size (comma-separated, or "none")', '5000000')
    .addHelpText(
      'after',
      exampleText([
        'wardwatch bench',
        'wardwatch bench --packets 100000',
        'wardwatch bench bulk.pcap',
        'wardwatch bench --packets 100000 --scale 200000',
      ]),
    )
    .action(async (capture: string | undefined, opts: { packets: string; scale: string }) => {
      const packets = Number(opts.packets);
      if (!Number.isInteger(packets) || packets < 1000)
        throw new WardwatchError('WW_ARGS', `--packets must be an integer ≥ 1000`);
      const scale = opts.scale === 'none' ? [] : opts.scale.split(',').map(Number);
      if (scale.some((n) => !Number.isInteger(n) || n < 1000))
        throw new WardwatchError('WW_ARGS', `--scale must be packet counts ≥ 1000, comma-separated, or "none"`);
      const r = await runBench({ ...(capture ? { file: capture } : { packets }), scale });
      process.stdout.write(`${JSON.stringify({ ratios: r.ratios, targets: r.targets }, null, 2)}\n`);
    });
};
