// Shapes of a firmware audit. `AuditReport` is the `--format json` contract (issue 9):
// extend it, never rename a field or a finding id.
import type { PolicyFile } from '../contract/policy.js';
import type { Severity } from '../contract/records.js';

export const FINDING_IDS = [
  'fw.hardcoded-address',
  'fw.remote-mount',
  'fw.interface-up',
  'fw.remote-exec',
  'fw.insecure-service',
  'fw.empty-password',
  'fw.private-key',
  'fw.debug-interface',
] as const;
export type FindingId = (typeof FINDING_IDS)[number];

export type Zone = 'site' | 'outside' | 'special';

export interface Finding {
  id: FindingId;
  severity: Severity;
  /** Path relative to the image root, '/'-separated, no leading slash. */
  file: string;
  /** 1-based line, for text files. */
  line?: number;
  /** Byte offset, for strings found in binaries. */
  offset?: number;
  evidence: string;
  /** The literal address or host name, for findings that name a peer. */
  address?: string;
  zone?: Zone;
}

export interface Vulnerability {
  id: string;
  summary?: string;
  aliases?: string[];
}

export interface Component {
  name: string;
  version: string;
  file: string;
  purl?: string;
  vulnerabilities?: Vulnerability[];
}

export interface BinaryInfo {
  file: string;
  class: 32 | 64;
  endian: 'little' | 'big';
  machine: string;
  type: string;
  interpreter?: string;
  needed: string[];
}

export type ImageFormat =
  | 'directory'
  | 'squashfs'
  | 'cramfs'
  | 'tar'
  | 'tar.gz'
  | 'tar.xz'
  | 'gzip'
  | 'xz'
  | 'cpio'
  | 'zip'
  | 'ext';

export interface AuditReport {
  image: string;
  /** Outer format, then nested ones: 'tar>squashfs'. */
  format: string;
  files: number;
  findings: Finding[];
  components: Component[];
  binaries: BinaryInfo[];
  /** With --capture: the hard-coded outside addresses seen in the capture(s). */
  contacted?: string[];
  /** With --capture: hard-coded outside addresses never seen in the capture(s). */
  notContacted?: string[];
  proposedPolicy?: PolicyFile;
  warnings: string[];
}

export interface Limits {
  /** Total bytes extracted (apparent sizes). */
  maxBytes: number;
  maxFiles: number;
  /** Wall time for the whole unpack, ms. */
  timeoutMs: number;
  /** Nesting depth: a tar holding a squashfs is depth 2. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBytes: 512 * 1024 * 1024,
  maxFiles: 50_000,
  timeoutMs: 120_000,
  maxDepth: 2,
};
