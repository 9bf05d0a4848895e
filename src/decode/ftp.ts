// FTP control-channel lines (RFC 959 §4, RFC 2428 EPRT/EPSV) as far as wardwatch follows them:
// the commands naming a file (RETR, STOR, ...) and the data-connection announcements (PORT,
// EPRT from the client; 227 PASV and 229 EPSV replies from the server), so the data flows are
// tied to their control flow. The banner (220) is decode/banner.ts. Lines are ≤ FTP_MAX_LINE
// bytes; longer ones are skipped whole ('ftp.long-line').

export const FTP_ANOMALIES = [
  'ftp.long-line', // a control line longer than FTP_MAX_LINE bytes (RFC 959 sets no limit; real servers use 512)
  'ftp.bad-hostport', // a PORT/EPRT argument or a 227/229 reply whose address or port does not parse
] as const;
export type FtpAnomaly = (typeof FTP_ANOMALIES)[number];

export const FTP_MAX_LINE = 512;

export type FtpLine =
  /** A data connection will be made to `ip:port` (ip empty: the control peer's own address). */
  | { readonly kind: 'data-port'; readonly ip: string; readonly port: number; readonly passive: boolean }
  | { readonly kind: 'file'; readonly op: 'read' | 'write' | 'list'; readonly name: string }
  | { readonly kind: 'anomaly'; readonly code: FtpAnomaly }
  | { readonly kind: 'other' };

const OTHER = { kind: 'other' } as const;
const BAD = { kind: 'anomaly', code: 'ftp.bad-hostport' } as const;

const FILE_OPS: Readonly<Record<string, 'read' | 'write' | 'list'>> = {
  RETR: 'read',
  STOR: 'write',
  STOU: 'write',
  APPE: 'write',
  LIST: 'list',
  NLST: 'list',
  MLSD: 'list',
};

/** Printable text of one line without its CR LF. */
export function lineText(b: Uint8Array, s: number, e: number): string {
  while (e > s && (b[e - 1] === 0x0a || b[e - 1] === 0x0d)) e--;
  let t = '';
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    t += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return t;
}

/** "h1,h2,h3,h4,p1,p2" (RFC 959 §4.1.2 host-port). */
function hostPort(t: string): { ip: string; port: number } | undefined {
  const m = /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/.exec(t);
  if (m === null) return undefined;
  const n = m.slice(1).map(Number);
  if (n.some((x) => x > 255)) return undefined;
  const port = n[4]! * 256 + n[5]!;
  return port === 0 ? undefined : { ip: `${n[0]}.${n[1]}.${n[2]}.${n[3]}`, port };
}

/** A client command line (verb SP argument). */
export function ftpCommand(t: string): FtpLine {
  const sp = t.indexOf(' ');
  const verb = (sp < 0 ? t : t.slice(0, sp)).toUpperCase();
  const arg = sp < 0 ? '' : t.slice(sp + 1).trim();
  if (verb === 'PORT') {
    const hp = hostPort(arg);
    return hp === undefined ? BAD : { kind: 'data-port', ip: hp.ip, port: hp.port, passive: false };
  }
  if (verb === 'EPRT') {
    // EPRT |proto|address|port| with any printable delimiter (RFC 2428 §2)
    const d = arg[0];
    const parts = d === undefined ? [] : arg.split(d);
    const port = Number(parts[3]);
    if (parts.length < 5 || !(port > 0 && port < 65536) || !/^\d+$/.test(parts[3]!)) return BAD;
    return { kind: 'data-port', ip: parts[2]!, port, passive: false };
  }
  const op = FILE_OPS[verb];
  if (op !== undefined && (arg !== '' || op !== 'list')) return { kind: 'file', op, name: arg.slice(0, 200) };
  return OTHER;
}

/** A server reply line: 227 (PASV) and 229 (EPSV) announce the data port. */
export function ftpReply(t: string): FtpLine {
  if (t.startsWith('227')) {
    const hp = hostPort(t.slice(3));
    return hp === undefined ? BAD : { kind: 'data-port', ip: hp.ip, port: hp.port, passive: true };
  }
  if (t.startsWith('229')) {
    // 229 Entering Extended Passive Mode (|||port|)
    const m = /\((.)\1\1(\d{1,5})\1\)/.exec(t);
    const port = m === null ? 0 : Number(m[2]);
    return port > 0 && port < 65536 ? { kind: 'data-port', ip: '', port, passive: true } : BAD;
  }
  return OTHER;
}
