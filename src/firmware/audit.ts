// `firmware audit` as a library call: unpack, scan, match vulnerabilities, cross-link with
// traffic. The temp dir is removed on every path out (and on SIGINT, see unpack.ts).
import { basename } from 'node:path';
import { type ContactSource, crossLink } from './crosslink.js';
import { loadOsvDir, matchOsv } from './osv.js';
import { scanTree } from './scan.js';
import { type AuditReport, DEFAULT_LIMITS, type Limits } from './types.js';
import { unpackImage } from './unpack.js';
import { walkTree } from './walk.js';

export interface AuditOptions {
  limits?: Partial<Limits>;
  osvDir?: string;
  captures?: readonly string[];
  /** Required with `captures`: turns capture files into contacted addresses. */
  contactSource?: ContactSource;
  /** Propose a policy even without captures (`--policy-out`). */
  proposePolicy?: boolean;
  /** Device model for the proposed policy's match; default: the image's file name. */
  model?: string;
  /** Catalog model names and device classes: a proposal without a capture must match one of them. */
  knownModels?: readonly string[];
  knownClasses?: readonly string[];
  /** Called with the private temp dir once it exists (tests check it is gone afterwards). */
  onTempDir?: (dir: string) => void;
  /** Called as each stage starts (the CLI's progress bar on a terminal). */
  onStep?: (step: AuditStep) => void;
}

/** The stages of an audit, in order: `captures` only with --capture. */
export const AUDIT_STEPS = ['unpack', 'walk', 'scan', 'osv', 'captures'] as const;
export type AuditStep = (typeof AUDIT_STEPS)[number];

export async function auditFirmware(image: string, opts: AuditOptions = {}): Promise<AuditReport> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  opts.onStep?.('unpack');
  const unpacked = await unpackImage(image, limits);
  if (unpacked.tempDir) opts.onTempDir?.(unpacked.tempDir);
  try {
    opts.onStep?.('walk');
    const entries = await walkTree(unpacked.root, { limits, fixPermissions: unpacked.tempDir !== undefined });
    opts.onStep?.('scan');
    const scan = await scanTree(entries);
    const warnings = [...unpacked.warnings, ...scan.warnings];
    let components = scan.components;
    if (opts.osvDir) {
      opts.onStep?.('osv');
      const osv = await loadOsvDir(opts.osvDir);
      warnings.push(...osv.warnings);
      components = matchOsv(components, osv.records);
    }
    const report: AuditReport = {
      image,
      format: unpacked.format,
      files: scan.files,
      findings: scan.findings,
      components,
      binaries: scan.binaries,
      warnings,
    };
    const withCaptures = opts.captures !== undefined && opts.captures.length > 0 && opts.contactSource !== undefined;
    if (withCaptures || opts.proposePolicy) {
      if (withCaptures) opts.onStep?.('captures');
      const contacted = withCaptures ? await opts.contactSource!(opts.captures!) : undefined;
      const link = crossLink(scan.findings, contacted, opts.model ?? basename(image.replace(/\/+$/, '')), {
        modelGiven: opts.model !== undefined,
        knownModels: opts.knownModels,
        knownClasses: opts.knownClasses,
        strict: opts.proposePolicy === true,
      });
      warnings.push(...link.warnings);
      if (withCaptures) {
        report.contacted = link.contacted;
        report.notContacted = link.notContacted;
      }
      report.proposedPolicy = link.proposedPolicy;
    }
    return report;
  } finally {
    await unpacked.cleanup();
  }
}
