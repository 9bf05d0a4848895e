// What a URI may say about a device's request without saying anyone's password or a patient's
// identifier. A bedside device's URL can carry both (`http://nurse:secret@10.1.1.5/api?mrn=12345`);
// the decoders pass every request target, Host value, SSDP LOCATION and proxy target through
// here before it becomes an event field, so neither reaches records, the store or exports.
//
// What is removed, and the form left in its place (RFC 3986 §3 names the parts):
// - userinfo, everything before the last '@' of an authority (`//…@host`; a hostile `a@b@host`
//   has userinfo `a@b`): replaced by `redacted@`, only where there was an '@'. `authorityWithoutUserinfo`
//   drops it with its '@' (`user:pw@host:port` → `host:port`) for Host and CONNECT.
// - query values: each parameter (separated by '&' or ';') keeps its name and its '=' and loses
//   what follows (`?mrn=12345&name=DOE` → `?mrn=&name=`). A parameter without '=' (`?12345`, the
//   old isindex form) is all value: it is dropped with its separator; the '?' stays.
// - matrix values in the path (`/a;jsessionid=XYZ/b` → `/a;jsessionid=/b`), by the same rule;
//   the first ';' of a segment stays as the '?' does (`/a;v2/b` → `/a;/b`).
// - the fragment, with its '#'.
// Kept as written: scheme, host, port, the path, and parameter names. Percent-encoding is never
// decoded (`%40` is no '@', `%3D` no '='), so what is kept is byte for byte the input. Pure,
// linear in the input, and total: no string makes these throw.

const REDACTED = 'redacted@';

const AMP = 0x26;
const SEMI = 0x3b;
const EQ = 0x3d;
const SLASH = 0x2f;
const AT = 0x40;
const QUERY = 0x3f;
const HASH = 0x23;

/** `host[:port]` of an authority: what follows its last '@' (the string itself when it has none). */
export function authorityWithoutUserinfo(s: string): string {
  const at = s.lastIndexOf('@');
  return at < 0 ? s : s.slice(at + 1);
}

/** `s` with userinfo, query and matrix values and the fragment removed (see the file's head). */
export function redactUri(s: string): string {
  // Nothing to remove (the common `/path` or `http://host/path`): the same string, no allocation.
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === AT || c === QUERY || c === HASH || c === SEMI) break;
    i++;
  }
  if (i === s.length) return s;
  let end = s.indexOf('#');
  if (end < 0) end = s.length;
  let q = s.indexOf('?');
  if (q > end) q = -1;
  const pathEnd = q < 0 ? end : q;
  const start = authorityStart(s, pathEnd);
  let out = '';
  let pathStart = 0;
  if (start >= 0) {
    let aEnd = s.indexOf('/', start);
    if (aEnd < 0 || aEnd > pathEnd) aEnd = pathEnd;
    const at = s.lastIndexOf('@', aEnd - 1);
    out = at >= start ? `${s.slice(0, start)}${REDACTED}${s.slice(at + 1, aEnd)}` : s.slice(0, aEnd);
    pathStart = aEnd;
  }
  out += path(s, pathStart, pathEnd);
  if (q >= 0) out += `?${params(s, q + 1, end, false)}`;
  return out;
}

/** Where the authority begins: after `scheme://` or a leading `//`; -1 when there is none before `to`. */
function authorityStart(s: string, to: number): number {
  if (to >= 2 && s.charCodeAt(0) === SLASH && s.charCodeAt(1) === SLASH) return 2;
  let i = 0;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    const alpha = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
    // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
    if (!(alpha || (i > 0 && ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)))) break;
  }
  if (i === 0 || i + 3 > to || s.charCodeAt(i) !== 0x3a) return -1;
  return s.charCodeAt(i + 1) === SLASH && s.charCodeAt(i + 2) === SLASH ? i + 3 : -1;
}

/** The path [from, to) with each segment's matrix parameters reduced to their names. */
function path(s: string, from: number, to: number): string {
  const semi = s.indexOf(';', from);
  if (semi < 0 || semi >= to) return s.slice(from, to);
  let out = '';
  let seg = from;
  while (seg <= to) {
    let e = s.indexOf('/', seg);
    if (e < 0 || e > to) e = to;
    let m = seg;
    while (m < e && s.charCodeAt(m) !== SEMI) m++;
    out += s.slice(seg, m);
    // The ';' stays, as the query's '?' does: a segment never vanishes into a '//'.
    if (m < e) out += `;${params(s, m + 1, e, true)}`;
    if (e < to) out += '/';
    seg = e + 1;
  }
  return out;
}

/**
 * The parameters in [from, to) as `name=` each, those without '=' dropped, the kept ones joined
 * by the separator that preceded them: '&' or ';' in a query, ';' alone between a path segment's
 * matrix parameters (`matrix`).
 */
function params(s: string, from: number, to: number, matrix: boolean): string {
  let out = '';
  let sep = '';
  let p = from;
  while (p <= to) {
    let j = p;
    let eq = -1;
    for (; j < to; j++) {
      const c = s.charCodeAt(j);
      if (c === AMP || c === SEMI) {
        if (!matrix || c === SEMI) break;
      } else if (c === EQ && eq < 0) eq = j;
    }
    if (eq >= 0) out += `${out === '' ? '' : sep}${s.slice(p, eq + 1)}`;
    if (j < to) sep = s[j]!;
    p = j + 1;
  }
  return out;
}
