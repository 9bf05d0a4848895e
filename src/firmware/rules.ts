// Line rules over boot scripts and config files: what the device would do on the network
// when it starts. One finding per matching line, with the line as evidence.
import { zoneOfHost } from './addresses.js';
import type { Finding } from './types.js';

export interface TextFile {
  rel: string;
  lines: readonly string[];
}

/** Remote mount points seen anywhere in the image (fstab, scripts): sources of copy-then-run. */
export interface ScriptContext {
  remoteMounts: Map<string, string>; // mount point → host
}

type Push = (f: Finding) => void;

export function isBootContext(file: TextFile): boolean {
  const first = file.lines[0] ?? '';
  return (
    file.rel.startsWith('etc/') ||
    file.rel.endsWith('.sh') ||
    /^#!\s*\S*\/(?:ba|a|da|k)?sh\b/.test(first) ||
    /^#!.*\benv\s+(?:ba)?sh\b/.test(first)
  );
}

function evidence(line: string): string {
  const t = line.trim();
  return t.length > 200 ? `${t.slice(0, 197)}...` : t;
}

function isComment(line: string): boolean {
  return /^\s*(#|$)/.test(line);
}

const REMOTE_FS = /^(nfs4?|cifs|smbfs|smb3)$/;
const MOUNT_T = /\bmount\b[^;&|]*?\s-t\s*(nfs4?|cifs|smbfs|smb3)\b([^;&|]*)/;
const MOUNT_HELPER = /\b(?:mount\.(nfs4?|cifs)|smbmount)\b([^;&|]*)/;

/** `host:/path` (NFS) or `//host/share` (SMB) → host. */
function remoteSource(args: string): { host: string; source: string; point?: string } | undefined {
  // Skip option values ("-o vers=3,nolock") which follow an option flag.
  const plain = args
    .trim()
    .split(/\s+/)
    .filter((t, i, all) => t && !t.startsWith('-') && !(i > 0 && /^-[otO]$/.test(all[i - 1]!)));
  for (const [i, t] of plain.entries()) {
    const nfs = /^\[?([\w.:-]+?)\]?:(\/\S*)$/.exec(t);
    const smb = /^\/\/([^/\s]+)\/\S*$/.exec(t);
    const host = nfs?.[1] ?? smb?.[1];
    if (host) return { host, source: t, point: plain[i + 1] };
  }
  return undefined;
}

/** First pass: remote mounts (findings and the mount points that later copies read from). */
export function scanMounts(file: TextFile, ctx: ScriptContext, push: Push): void {
  const fstab = file.rel === 'etc/fstab';
  if (!fstab && !isBootContext(file)) return;
  file.lines.forEach((line, i) => {
    if (isComment(line)) return;
    let src: ReturnType<typeof remoteSource>;
    if (fstab) {
      const f = line.trim().split(/\s+/);
      if (REMOTE_FS.test(f[2] ?? '') || /^[\w.-]+:\//.test(f[0] ?? '') || (f[0] ?? '').startsWith('//')) {
        src = remoteSource(`${f[0]} ${f[1] ?? ''}`);
      }
    } else {
      const m = MOUNT_T.exec(line) ?? MOUNT_HELPER.exec(line);
      if (m) src = remoteSource(m[2] ?? '') ?? { host: '', source: '' };
    }
    if (!src) return;
    const zone = src.host ? zoneOfHost(src.host) : undefined;
    if (src.point) ctx.remoteMounts.set(src.point.replace(/\/+$/, '') || '/', src.host);
    push({
      id: 'fw.remote-mount',
      severity: zone === 'outside' ? 'critical' : 'high',
      file: file.rel,
      line: i + 1,
      evidence: evidence(line),
      ...(src.host ? { address: src.host, zone } : {}),
    });
  });
}

const IFACE_UP = [
  /\bifconfig\s+([a-z][\w.:-]*)\b.*\bup\b/,
  /\bip\s+link\s+set\s+(?:dev\s+)?(\S+).*\bup\b/,
  /\bifup\s+(?:-\S+\s+)*([a-z][\w.:-]*)/,
  /\b(udhcpc|dhclient|dhcpcd)\b/,
];
const DOWNLOAD = /\b(wget|curl|tftp|ftpget|scp|rsync)\b/;
// Running something: piping into a shell, making it executable, `sh file`, or a path as a command.
const EXEC =
  /\|\s*(?:ba|a|da)?sh\b|\bchmod\s+(?:[ugoa]*\+[rw]*x|[0-7]{3,4})\b|\b(?:ba|a|da)?sh\s+[^-\s]|(?:^|[;&|]|\bthen|\bdo)\s*(?:\.\s+)?\.?\/[\w./*-]+/;
const COPY = /\b(?:cp|mv|rsync|install|tar|cat)\b([^;&|]*)/;
const SERVICES =
  /(?:^|[\s;&|/'"])((?:in\.|u)?telnetd|(?:in\.|vs|pro|pure-|b)?ftpd|(?:in\.|a)?tftpd|(?:in\.)?rlogind|(?:in\.)?rshd|(?:in\.)?rexecd)\b/;
const STOPS = /^\s*(?:echo|printf|killall|pkill|kill|rm|test\s+-[a-z]\s+\S+\s*$)\b|start-stop-daemon\s+(?:-K|--stop)/;
const INETD_SERVICES: Record<string, 'high' | 'medium'> = {
  telnet: 'high',
  ftp: 'high',
  login: 'high',
  shell: 'high',
  exec: 'high',
  tftp: 'medium',
};
const SHELL = /^-?\/(?:usr\/)?bin\/(?:ba|a|da|k)?sh\b/;
const BIND_SHELL =
  /\b(?:nc|netcat|ncat)\b[^;&|]*\s-[a-z]*l[a-z]*\b[^;&|]*-e\s*\S*sh\b|\bsocat\b[^;&|]*exec:[^;&|]*sh\b/i;
const NO_LOGIN_SHELL = /\b(?:telnetd|getty|agetty)\b[^;&|]*\s-l\s*\/(?:usr\/)?bin\/(?:ba|a|da)?sh\b/;

/** Second pass: interfaces, download/copy-then-run, insecure services, debug shells. */
export function scanScript(file: TextFile, ctx: ScriptContext, push: Push): void {
  if (file.rel === 'etc/inetd.conf') {
    scanInetd(file, push);
    return;
  }
  if (file.rel === 'etc/inittab') scanInittab(file, push);
  if (!isBootContext(file)) return;
  const lines = file.lines;
  lines.forEach((line, i) => {
    if (isComment(line)) return;
    const at = { file: file.rel, line: i + 1, evidence: evidence(line) };
    for (const re of IFACE_UP) {
      const m = re.exec(line);
      if (m && m[1] !== 'lo') {
        push({ id: 'fw.interface-up', severity: 'low', ...at });
        break;
      }
    }
    const svc = SERVICES.exec(line);
    if (svc && !STOPS.test(line)) {
      const sev = /tftpd/.test(svc[1]!) ? 'medium' : 'high';
      push({ id: 'fw.insecure-service', severity: sev, ...at });
    }
    if (BIND_SHELL.test(line) || NO_LOGIN_SHELL.test(line)) push({ id: 'fw.debug-interface', severity: 'high', ...at });
    // Running a file straight off a network mount: whoever serves the share decides what runs.
    const direct = runsFromMount(line, ctx);
    if (direct !== undefined) {
      push({ id: 'fw.remote-exec', severity: 'critical', ...at, address: direct, zone: zoneOfHost(direct) });
      return;
    }
    const dl = DOWNLOAD.exec(line);
    const copy = COPY.exec(line);
    const fromMount = copy ? mountSource(copy[1]!, ctx) : undefined;
    if (!dl && fromMount === undefined) return;
    const start = (dl?.index ?? copy!.index) + 1;
    const run = findExec(lines, i, start);
    if (run === undefined) return;
    const host = fromMount ?? urlHost(line);
    push({
      id: 'fw.remote-exec',
      severity: 'critical',
      ...at,
      evidence: run === i ? evidence(line) : `${evidence(line)} … ${evidence(lines[run]!)}`,
      ...(host ? { address: host, zone: zoneOfHost(host) } : {}),
    });
  });
}

/** Where a word stands as the command run (line start, after ; & | ( then do else), or as the script of sh/./source/exec/nohup. */
const RUN_LEAD =
  /(?:^|[;&|(`]|\$\(|\b(?:then|do|else|exec|nohup|source|chroot\s+\S+|(?:ba|a|da|k)?sh)\b|(?:^|[\s;&|])\.)\s*$/;

/** The host of the remote mount a command on this line runs a file from, if any. */
function runsFromMount(line: string, ctx: ScriptContext): string | undefined {
  if (ctx.remoteMounts.size === 0 || STOPS.test(line)) return undefined;
  for (const m of line.matchAll(/\/[\w./*-]+/g)) {
    const token = m[0];
    for (const [point, host] of ctx.remoteMounts) {
      if (point === '/' || !token.startsWith(`${point}/`) || token.length === point.length + 1) continue;
      if (RUN_LEAD.test(line.slice(0, m.index))) return host;
    }
  }
  return undefined;
}

function mountSource(args: string, ctx: ScriptContext): string | undefined {
  for (const token of args.trim().split(/\s+/)) {
    for (const [point, host] of ctx.remoteMounts) {
      if (point !== '/' && (token === point || token.startsWith(`${point}/`))) return host;
    }
  }
  return undefined;
}

function urlHost(line: string): string | undefined {
  return /:\/\/(?:[^\s/@]*@)?([\w.-]+)/.exec(line)?.[1];
}

/** The line (this one after `from`, or one of the next five) that runs what was fetched. */
function findExec(lines: readonly string[], i: number, from: number): number | undefined {
  if (EXEC.test(lines[i]!.slice(from).replace(/^[^;&|]*/, ''))) return i;
  for (let j = i + 1; j < Math.min(lines.length, i + 6); j++) {
    if (!isComment(lines[j]!) && EXEC.test(lines[j]!)) return j;
  }
  return undefined;
}

function scanInetd(file: TextFile, push: Push): void {
  file.lines.forEach((line, i) => {
    if (isComment(line)) return;
    const svc = line.trim().split(/\s+/)[0] ?? '';
    const sev = INETD_SERVICES[svc];
    if (sev) push({ id: 'fw.insecure-service', severity: sev, file: file.rel, line: i + 1, evidence: evidence(line) });
  });
}

/** inittab: a shell (not getty/login) on a console or serial line is a root shell for anyone with a cable. */
function scanInittab(file: TextFile, push: Push): void {
  file.lines.forEach((line, i) => {
    if (isComment(line)) return;
    const parts = line.split(':');
    if (parts.length < 4) return;
    const proc = parts.slice(3).join(':').trim();
    if (SHELL.test(proc) && !/\blogin\b/.test(proc)) {
      push({ id: 'fw.debug-interface', severity: 'high', file: file.rel, line: i + 1, evidence: evidence(line) });
    }
  });
}

/** /etc/passwd and /etc/shadow: accounts that log in without a password. */
export function scanAccounts(file: TextFile, push: Push): void {
  const shadow = file.rel === 'etc/shadow';
  if (!shadow && file.rel !== 'etc/passwd') return;
  file.lines.forEach((line, i) => {
    const f = line.split(':');
    if (f.length < (shadow ? 2 : 7) || f[1] !== '') return;
    const uid = shadow ? (f[0] === 'root' ? 0 : -1) : Number(f[2]);
    const noShell = !shadow && /(?:nologin|false)$/.test(f[6] ?? '');
    push({
      id: 'fw.empty-password',
      severity: uid === 0 ? 'critical' : noShell ? 'medium' : 'high',
      file: file.rel,
      line: i + 1,
      evidence: evidence(line),
    });
  });
}
