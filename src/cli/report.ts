// `wardwatch report <capture…>`: the breach report (patient data that left the site in
// cleartext), as Markdown, one self-contained HTML file, or the JSON contract.
import type { Command } from 'commander';
import { Option } from 'commander';
import { breachHtml } from '../export/report/html.js';
import { breachJson } from '../export/report/json.js';
import { breachMarkdown } from '../export/report/md.js';
import { analyzeCaptures } from '../engine/analyze.js';
import type { Register } from './commands.js';
import { openOutput, stdoutOutput } from './output.js';

interface ReportCliOptions {
  format: 'md' | 'html' | 'json';
  out?: string;
  config?: string;
}

export const register: Register = (program: Command) => {
  program
    .command('report')
    .description('breach report: distinct patients whose data left the site in cleartext, per destination')
    .argument('<captures...>', 'capture files (pcap, pcapng)')
    .addOption(new Option('-f, --format <format>', 'report format').choices(['md', 'html', 'json']).default('md'))
    .option('-o, --out <file>', 'write the report to a file instead of stdout')
    .option('-c, --config <file>', 'config file (YAML): site ranges, salt file, …')
    .action(async (captures: string[], opts: ReportCliOptions) => {
      const output = opts.out === undefined ? stdoutOutput : await openOutput(opts.out, '--out');
      const r = await analyzeCaptures(captures, { configPath: opts.config }).catch(async (err: unknown) => {
        await output.close();
        throw err;
      });
      const meta = { files: r.summary.files, first: r.summary.first, last: r.summary.last };
      const text =
        opts.format === 'json'
          ? breachJson(r.breach)
          : opts.format === 'html'
            ? breachHtml(r.breach, meta)
            : breachMarkdown(r.breach, meta);
      await output.write(text);
    });
};
