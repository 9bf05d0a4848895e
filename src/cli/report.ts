// `wardwatch report <capture…>`: the breach report (patient data that left the site in
// cleartext), as Markdown, one self-contained HTML file, or the JSON contract.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { BreachGeneration, BreachReport } from '../contract/breach.js';
import { breachHtml } from '../export/report/html.js';
import { breachJson } from '../export/report/json.js';
import { breachMarkdown } from '../export/report/md.js';
import { analyzeCaptures } from '../engine/analyze.js';
import type { Register } from './commands.js';
import { examples } from './examples.js';
import { documentFormat } from './format-option.js';
import { outputTo } from './output.js';
import { fileProgress } from './progress.js';

interface ReportCliOptions {
  format: 'md' | 'html' | 'json';
  out?: string;
  config?: string;
  progress: boolean;
}

export const register: Register = (program: Command) => {
  const cmd = program
    .command('report')
    .description('breach report: distinct patients whose data left the site in cleartext, per destination')
    .argument('<captures...>', 'capture files (pcap/pcapng)')
    .addOption(documentFormat(['md', 'html', 'json'], 'md', 'report format'))
    .option('-o, --out <file>', 'write the report to a file instead of stdout')
    .option('-c, --config <file>', 'config file (YAML): site ranges, salt file, …')
    .option('--no-progress', 'no progress bar on stderr');
  examples(cmd, [
    'wardwatch report ward.pcap',
    'wardwatch report --format html -o breach.html monday.pcap tuesday.pcapng',
  ]).action(async (captures: string[], opts: ReportCliOptions) => {
    const output = await outputTo(opts.out);
    const progress = fileProgress(opts.progress !== false && process.stderr.isTTY === true);
    const r = await analyzeCaptures(captures, {
      configPath: opts.config,
      onProgress: (f, o, t) => progress.update(f, o, t),
    })
      .finally(() => progress.stop())
      .catch(async (err: unknown) => {
        await output.close();
        throw err;
      });
    const meta = { files: r.summary.files, first: r.summary.first, last: r.summary.last };
    const report: BreachReport = { ...r.breach, generation: await generation(captures, r.saltId) };
    const text =
      opts.format === 'json'
        ? breachJson(report)
        : opts.format === 'html'
          ? breachHtml(report, meta)
          : breachMarkdown(report, meta);
    await output.write(text);
  });
};

/** The wardwatch version, from the package.json beside src/ and dist/. */
function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

async function sha256(file: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), bytes };
}

/**
 * How the report was made. The time is now, or $SOURCE_DATE_EPOCH (seconds) when set, the
 * reproducible-builds convention, so a report can be made twice byte for byte.
 */
async function generation(captures: readonly string[], saltId: string): Promise<BreachGeneration> {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  const time = new Date(Number.isFinite(epoch) && process.env.SOURCE_DATE_EPOCH !== '' ? epoch * 1000 : Date.now());
  const files = [];
  for (const c of captures) files.push({ name: basename(c), ...(await sha256(c)) });
  return { time: time.toISOString(), version: version(), captures: files, saltId };
}
