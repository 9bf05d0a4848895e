// `wardwatch firmware audit <image|dir>`: what a firmware image would do on the network,
// its components (CycloneDX SBOM), and with --capture which hard-coded peers were contacted.
import { randomBytes } from 'node:crypto';
import { type Command, Option } from 'commander';
import { stringify } from 'yaml';
import { DEVICE_CLASSES, SEVERITIES, type Severity, severityRank } from '../contract/records.js';
import { EXIT_ALERT, WardwatchError } from '../errors.js';
import { AUDIT_STEPS, auditFirmware } from '../firmware/audit.js';
import type { ContactSource } from '../firmware/crosslink.js';
import { buildSbom } from '../firmware/sbom.js';
import type { AuditReport } from '../firmware/types.js';
import type { Register } from './commands.js';
import { textTable } from '../export/tables.js';
import { examples } from './examples.js';
import { documentFormat } from './format-option.js';
import { openOutput, outputTo } from './output.js';
import { stepProgress } from './progress.js';
import { repeatable } from './repeat.js';

interface FirmwareCliOptions {
  format: 'table' | 'json';
  out?: string;
  progress: boolean;
  sbom?: string;
  capture?: string[];
  policyOut?: string;
  osv?: string;
  model?: string;
  failOn?: Severity;
  maxSize?: string;
  maxFiles?: string;
  timeout?: string;
  db?: string;
}

/**
 * Contacted peers = every peer of a site device's flows (what the device talked to), and each
 * device's learned policy (`policy learn`), so a proposal keeps its clinical peers allowed.
 * The engine is loaded only when --capture is given, so an audit without captures does not
 * depend on the packet path.
 */
const engineContacts: ContactSource = async (captures) => {
  const { observeCaptures } = await import('../engine/policy.js');
  const { learn } = await import('../policy/learn.js');
  // A throwaway salt: this run keeps no patient data, so no installation salt file is created.
  const o = await observeCaptures(captures, { salt: randomBytes(32).toString('hex') });
  const learned = learn({ flows: o.flows, alerts: o.alerts, devices: o.devices, isSite: o.isLocal });
  const peersByIp = new Map<string, Set<string>>();
  for (const f of o.flows) {
    let s = peersByIp.get(f.ip);
    if (s === undefined) peersByIp.set(f.ip, (s = new Set()));
    s.add(f.peer);
  }
  const devices = learned.devices.flatMap((d, i) => {
    const policy = learned.policy.devices[i];
    const rec = o.devices.find((r) => r.id === d.id);
    if (policy === undefined) return [];
    return [
      {
        id: d.id,
        ...(d.model !== undefined ? { model: d.model } : {}),
        ...(rec?.class !== undefined ? { class: rec.class } : {}),
        learned: policy,
        peers: new Set((rec?.ips ?? [d.ip]).flatMap((ip) => [...(peersByIp.get(ip) ?? [])])),
      },
    ];
  });
  return { contacted: new Set(o.flows.map((f) => f.peer)), devices };
};

/** Catalog model names (shipped catalog): what a proposal without a capture may match. */
async function catalogModels(): Promise<string[]> {
  const { loadCatalog } = await import('../config/catalog.js');
  return loadCatalog().models.map((m) => m.name);
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new WardwatchError('WW_FIRMWARE', `${name} must be a positive integer, got ${value}`);
  return n;
}

export const register: Register = (program: Command) => {
  const fw = program.command('firmware').description('firmware images: audit before the device is on the ward');
  examples(fw, ['wardwatch firmware audit cms8000-fw.img']);
  const audit = fw
    .command('audit')
    .description(
      'unpack an image (squashfs, cramfs, tar, cpio, zip, ext2/3/4, gzip/xz, or a directory) and report what it would do on the network',
    )
    .argument('<image>', 'firmware image file or unpacked directory (read only)')
    .addOption(documentFormat(['table', 'json'], 'table'))
    .option('-o, --out <file>', 'write the audit to a file instead of stdout')
    .option('--sbom <file>', 'write a CycloneDX 1.6 JSON SBOM of the components')
    .option(
      '--capture <file>',
      'a capture of the device: which hard-coded outside peers it contacted (repeat for several)',
      repeatable,
    )
    .option(
      '--policy-out <file>',
      "write the proposed policy (YAML) denying every hard-coded outside peer; with --capture the device's observed peers stay allowed, without it the file is a deny list (every other peer passes)",
    )
    .option('--osv <dir>', 'directory of OSV JSON files to match against the components')
    .option('--model <name>', 'device model for the proposed policy (default: the image file name)')
    .addOption(
      new Option('--fail-on <severity>', 'exit 3 when a finding at or above this severity exists').choices([
        ...SEVERITIES,
      ]),
    )
    .option('--max-size <bytes>', 'limit on the unpacked size', String(512 * 1024 * 1024))
    .option('--max-files <n>', 'limit on the number of unpacked files', '50000')
    .option('--timeout <seconds>', 'limit on the unpacking time', '120')
    .option('--db <file|url>', "also write the audit to a console's store (SQLite file or postgres:// URL)")
    .option('--no-progress', 'no progress bar on stderr');
  examples(audit, [
    'wardwatch firmware audit cms8000-fw.img',
    'wardwatch firmware audit --format json -o audit.json --sbom sbom.json --osv osv/ rootfs/',
    'wardwatch firmware audit --capture ward.pcap --capture night.pcap --policy-out fw-policy.yaml cms8000-fw.img',
  ]).action(async (image: string, opts: FirmwareCliOptions) => {
    const limits = {
      maxBytes: positiveInt('--max-size', opts.maxSize, 512 * 1024 * 1024),
      maxFiles: positiveInt('--max-files', opts.maxFiles, 50_000),
      timeoutMs: positiveInt('--timeout', opts.timeout, 120) * 1000,
    };
    // The output paths are user input: checked (opened) before the unpack, not after it.
    const out = await outputTo(opts.out);
    const sbom = opts.sbom
      ? await openOutput(opts.sbom, '--sbom').catch(async (err: unknown) => {
          await out.close();
          throw err;
        })
      : undefined;
    const policyOut = opts.policyOut
      ? await openOutput(opts.policyOut, '--policy-out').catch(async (err: unknown) => {
          await sbom?.close();
          await out.close();
          throw err;
        })
      : undefined;
    const progress = stepProgress(
      'firmware audit',
      AUDIT_STEPS,
      opts.progress !== false && process.stderr.isTTY === true,
    );
    let report: AuditReport;
    try {
      report = await auditFirmware(image, {
        onStep: (s) => progress.step(s),
        limits,
        osvDir: opts.osv,
        captures: opts.capture,
        contactSource: engineContacts,
        proposePolicy: opts.policyOut !== undefined,
        model: opts.model,
        ...(opts.policyOut !== undefined ? { knownModels: await catalogModels(), knownClasses: DEVICE_CLASSES } : {}),
      });
    } catch (err) {
      progress.stop();
      await sbom?.close();
      await policyOut?.close();
      await out.close();
      throw err;
    }
    progress.stop();
    await sbom?.write(buildSbom(report));
    await policyOut?.write(report.proposedPolicy ? stringify(report.proposedPolicy) : '');
    if (opts.db !== undefined) {
      const { storeAudit } = await import('./firmware-store.js');
      const id = await storeAudit(opts.db, image, report, opts.model);
      process.stderr.write(
        `firmware audit ${id} written to ${opts.db.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}\n`,
      );
    }
    await out.write(opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : auditTable(report));
    const failOn = opts.failOn;
    if (failOn && report.findings.some((f) => severityRank(f.severity) >= severityRank(failOn))) {
      process.exitCode = EXIT_ALERT;
    }
  });
};

export function auditTable(r: AuditReport): string {
  const out = [`Firmware ${r.image} (${r.format}, ${r.files} files)`, ''];
  if (r.findings.length === 0) out.push('Findings: none');
  else {
    const rows = r.findings.map((f) => [
      f.severity,
      f.id,
      `${f.file}${f.line !== undefined ? `:${f.line}` : f.offset !== undefined ? `@${f.offset}` : ''}`,
      f.address ? `${f.address}${f.zone ? ` (${f.zone})` : ''}` : '',
      f.evidence,
    ]);
    out.push(
      `Findings (${r.findings.length})`,
      textTable(['Severity', 'Finding', 'Where', 'Peer', 'Evidence'], rows, 60),
    );
  }
  out.push('');
  if (r.components.length === 0) out.push('Components: none recognised');
  else {
    const rows = r.components.map((c) => [
      c.name,
      c.version,
      c.file,
      (c.vulnerabilities ?? []).map((v) => v.id).join(' '),
    ]);
    out.push(`Components (${r.components.length})`, textTable(['Name', 'Version', 'File', 'Vulnerabilities'], rows));
  }
  if (r.contacted) {
    out.push('', `Hard-coded outside peers contacted in the capture: ${r.contacted.join(', ') || 'none'}`);
    out.push(`Hard-coded outside addresses not contacted: ${(r.notContacted ?? []).join(', ') || 'none'}`);
  }
  if (r.proposedPolicy) {
    const deny = r.proposedPolicy.devices.flatMap((d) => d.deny);
    out.push(`Proposed policy: deny ${deny.length} peer(s) (--policy-out FILE or --format json to see it)`);
  }
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return `${out.join('\n')}\n`;
}
