// Server greetings of cleartext login and mail services: FTP and SMTP '220' (RFC 959 §4.2,
// RFC 5321 §4.2), POP3 '+OK' (RFC 1939 §4), IMAP '* OK' / '* PREAUTH' (RFC 9051 §7.1), SSH
// identification 'SSH-' (RFC 4253 §4.2), telnet option negotiation IAC WILL/WONT/DO/DONT/SB
// (RFC 854) or a login prompt, and rlogin's single NUL acknowledgement (RFC 1282).
//
// Content decides before the port: option sub-negotiation on port 21 is telnet, not FTP
// (Zeek's telnet-auth-missing-name trace). The port only breaks the '220' tie between FTP and
// SMTP when the greeting names neither. Only the first line is read, at most MAX_LINE bytes.

export type BannerService = 'ftp' | 'telnet' | 'smtp' | 'ssh' | 'pop3' | 'imap' | 'rlogin';

/** No anomaly codes: an unrecognised greeting is simply 'not' a banner. */
export const BANNER_ANOMALIES = [] as const;

export type BannerResult =
  | { readonly kind: 'ok'; readonly service: BannerService; readonly banner: string }
  | { readonly kind: 'more' }
  | { readonly kind: 'not' };

export const MAX_LINE = 200;
const MORE = { kind: 'more' } as const;
const NOT = { kind: 'not' } as const;
const IAC = 0xff;

function startsWith(b: Uint8Array, off: number, end: number, s: string): 'yes' | 'prefix' | 'no' {
  const n = Math.min(s.length, end - off);
  for (let i = 0; i < n; i++) if (b[off + i] !== s.charCodeAt(i)) return 'no';
  return n === s.length ? 'yes' : 'prefix';
}

/** End of the first line (index of CR or LF) within MAX_LINE, or -1. */
function lineEnd(b: Uint8Array, off: number, end: number): number {
  const lim = Math.min(end, off + MAX_LINE);
  for (let i = off; i < lim; i++) if (b[i] === 0x0a || b[i] === 0x0d) return i;
  return -1;
}

function printable(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to && s.length < MAX_LINE; i++) {
    const c = b[i]!;
    if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
  }
  return s.trim();
}

/** Case-insensitive search of an uppercase ASCII word in b[from, to) (to - from ≤ MAX_LINE). */
function contains(b: Uint8Array, from: number, to: number, word: string): boolean {
  outer: for (let i = from; i + word.length <= to; i++) {
    for (let j = 0; j < word.length; j++) {
      const c = b[i + j]!;
      if ((c >= 0x61 && c <= 0x7a ? c - 0x20 : c) !== word.charCodeAt(j)) continue outer;
    }
    return true;
  }
  return false;
}

/**
 * The first line a server sent. `complete` says the direction will bring no more bytes soon
 * (a prompt without line end, e.g. 'login: ', is then taken as it is).
 */
export function decodeBanner(
  b: Uint8Array,
  off: number,
  end: number,
  serverPort: number,
  complete = false,
): BannerResult {
  end = Math.min(end, b.length);
  if (end <= off) return MORE;
  const c0 = b[off]!;
  if (c0 === IAC) {
    if (end - off < 2) return MORE;
    const cmd = b[off + 1]!;
    return cmd >= 0xfa && cmd <= 0xfe ? { kind: 'ok', service: 'telnet', banner: '' } : NOT;
  }
  if (c0 === 0 && serverPort === 513) return { kind: 'ok', service: 'rlogin', banner: '' };
  const le = lineEnd(b, off, end);
  const full = le >= 0 || end - off >= MAX_LINE || complete;
  const lineTo = le >= 0 ? le : Math.min(end, off + MAX_LINE);
  let prefix = false;
  for (const [word, service] of [
    ['SSH-', 'ssh'],
    ['+OK', 'pop3'],
    ['* OK', 'imap'],
    ['* PREAUTH', 'imap'],
    ['220 ', ''],
    ['220-', ''],
  ] as const) {
    const m = startsWith(b, off, end, word);
    if (m === 'prefix') prefix = true;
    if (m !== 'yes') continue;
    if (!full) return MORE;
    let s: BannerService;
    if (service !== '') s = service;
    else if (contains(b, off, lineTo, 'FTP')) s = 'ftp';
    else if (contains(b, off, lineTo, 'SMTP') || contains(b, off, lineTo, 'MAIL')) s = 'smtp';
    else s = serverPort === 25 || serverPort === 587 || serverPort === 465 ? 'smtp' : 'ftp';
    const from = service === 'ssh' ? off : off + (service === '' ? 4 : word.length);
    return { kind: 'ok', service: s, banner: printable(b, from, lineTo) };
  }
  if (prefix) return MORE;
  // A telnet server that skips negotiation shows text ending in a login prompt.
  const lim = Math.min(end, off + 512);
  if (contains(b, off, lim, 'LOGIN:') || contains(b, off, lim, 'USERNAME:')) {
    let p = off;
    while (p < lim && (b[p] === 0x0d || b[p] === 0x0a)) p++;
    const e = lineEnd(b, p, lim);
    return { kind: 'ok', service: 'telnet', banner: printable(b, p, e < 0 ? lim : e) };
  }
  if (serverPort === 23 && !complete && end - off < 512 && c0 >= 0x09 && c0 < 0x7f) return MORE;
  return NOT;
}
