// What a URI may say about a device's request without saying anyone's password or a patient's
// identifier. A bedside device's URL can carry both (`http://nurse:secret@10.1.1.5/api?mrn=12345`,
// `/fhir/Patient/12345`); the decoders pass every request target, Host value, SSDP LOCATION and
// proxy target through here before it becomes an event field, so neither reaches records, the store
// or exports.
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
// - identifier-like path segments, each replaced by `:id` whole (its `;` parameters stay, reduced):
//   `/api/patients/MRN0012345/vitals` → `/api/patients/:id/vitals`. Only a path that starts with
//   '/' (origin-form, or the path after an authority) is read so; an authority-form CONNECT target
//   or `*` is no path. A segment's name (before its first ';') is counted raw, percent-escapes
//   unread (the hex digits of `%20` are digits). It is an identifier when
//   - it follows a patient-compartment segment, whatever it looks like (`/Patient/DOE`): `Patient`,
//     `Person`, `RelatedPerson`, `Practitioner`, `Encounter`, `patients`, `persons`, and the words
//     vendor and EHR APIs put before a patient's key (`mrn`, `record`, `chart`, `resident`,
//     `subject`, `member`, each also plural: `/records/DOE`), compared case-insensitively. Only a
//     FHIR operation or control segment is kept there (`_history`, `_search`, `$everything`: '_'
//     or '$' then letters and '-'; FHIR ids have neither);
//   - it holds a '^' or `%5E`/`%5e` (an HL7 component separator: `DOE^JOHN`), or a ',' or
//     `%2C`/`%2c` (the `LAST,FIRST` of a name);
//   - it holds a UUID (8-4-4-4-12 hex digits);
//   - it is digits and dots with at least two dots (an OID or DICOM UID, `1.2.840.113619.2.55`);
//   - it ends in a static-file extension (`.js .css .html .htm .png .jpg .gif .ico .svg .xml .json
//     .txt .woff .woff2 .map`, any case): then only the three rules above and a run of 4 or more
//     digits in the name before the extension make it one (`jquery-3.6.0.min.js` and
//     `favicon-32x32.png` stay, `12345678.json` does not);
//   - otherwise: it has a digit and at least 4 characters, unless it is a version (`v2.3`, `1.10`:
//     an optional 'v', at most one dot, at most 3 digits) or a FHIR release or `oauth2` (`STU3`,
//     `DSTU2`, `baseR4`, `baseDstu3`…, see RELEASES). So `2023` and `sha256` become `:id`: a lost
//     word costs an engineer a little shape, a kept identifier would cost a patient more.
//   All-letter segments (`api`, `vitals`, `Observation`) and short ones (`v1`, `p12`) stay, so a
//   bare name after any other word (`/beds/DOE`) is not recognised, and a word after a compartment
//   word is lost (`/records/latest` → `/records/:id`).
// - the fragment, with its '#'.
// Kept as written: scheme, host, port, the rest of the path, and parameter names. Percent-encoding
// is never decoded (`%40` is no '@', `%3D` no '='), so what is kept is byte for byte the input. Pure,
// linear in the input, and total: no string makes these throw. A string with nothing to remove comes
// back as itself, no new string built.

const REDACTED = 'redacted@';

const AMP = 0x26;
const SEMI = 0x3b;
const EQ = 0x3d;
const SLASH = 0x2f;
const AT = 0x40;
const QUERY = 0x3f;
const HASH = 0x23;
const DOT = 0x2e;
const DASH = 0x2d;
const CARET = 0x5e;
const COMMA = 0x2c;
const PCT = 0x25;

const ID = ':id';

/**
 * Segments after which the next one names a person or their encounter: the FHIR patient compartment,
 * and the words vendor and EHR APIs put before a patient's key.
 */
const COMPARTMENTS = [
  'patient',
  'patients',
  'person',
  'persons',
  'relatedperson',
  'practitioner',
  'encounter',
  'mrn',
  'mrns',
  'record',
  'records',
  'chart',
  'charts',
  'resident',
  'residents',
  'subject',
  'subjects',
  'member',
  'members',
];
const MIN_COMPARTMENT = Math.min(...COMPARTMENTS.map((w) => w.length));
const MAX_COMPARTMENT = Math.max(...COMPARTMENTS.map((w) => w.length));
/** Static-file extensions (lowercase, without the dot); `woff2` is the longest. */
const STATIC = 'js css html htm png jpg gif ico svg xml json txt woff woff2 map'.split(' ');
const MAX_EXT = 5;
/** Words with a digit that name a protocol, not a record: FHIR releases (and HAPI's bases) and OAuth 2. */
const RELEASES = 'dstu1 dstu2 dstu3 stu3 baser4 baser4b baser5 basedstu2 basedstu3 oauth2'.split(' ');

/** `host[:port]` of an authority: what follows its last '@' (the string itself when it has none). */
export function authorityWithoutUserinfo(s: string): string {
  const at = s.lastIndexOf('@');
  return at < 0 ? s : s.slice(at + 1);
}

/** `s` with userinfo, query and matrix values and the fragment removed (see the file's head). */
export function redactUri(s: string): string {
  // No userinfo, query, matrix or fragment (the common `/path` or `http://host/path`): only the path
  // may change, and when it does not the same string comes back, no allocation.
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === AT || c === QUERY || c === HASH || c === SEMI) break;
    i++;
  }
  if (i === s.length) {
    const from = pathFrom(s);
    const p = from < 0 ? null : path(s, from, s.length);
    return p === null ? s : `${s.slice(0, from)}${p}`;
  }
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
  out += path(s, pathStart, pathEnd) ?? s.slice(pathStart, pathEnd);
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

/** Where the path of `s` (which has no '@', '?', '#' or ';') begins; -1 when it has none. */
function pathFrom(s: string): number {
  const start = authorityStart(s, s.length);
  if (start < 0) return s.charCodeAt(0) === SLASH ? 0 : -1;
  return s.indexOf('/', start);
}

/**
 * The path [from, to) with each segment's matrix parameters reduced to their names and, when it
 * starts with '/', identifier-like segments replaced by `:id`; null when no segment needed either.
 */
function path(s: string, from: number, to: number): string | null {
  const ids = s.charCodeAt(from) === SLASH;
  let out = '';
  let copied = from; // s[from, copied) is in `out` already
  let compartment = false;
  let seg = from;
  while (seg <= to) {
    // One pass finds the segment's end, its name's end (the first ';') and whether the name could
    // be an identifier at all: without a digit, '^' or ',' (`%5E` and `%2C` have digits), only a
    // 36-character UUID can.
    let e = seg;
    let m = -1;
    let suspect = false;
    for (; e < to; e++) {
      const c = s.charCodeAt(e);
      if (c === SLASH) break;
      if (m < 0) {
        if (c === SEMI) m = e;
        else if ((c >= 0x30 && c <= 0x39) || c === CARET || c === COMMA) suspect = true;
      }
    }
    if (m < 0) m = e;
    if (m - seg >= 36) suspect = true;
    const id = ids && m > seg && (compartment ? !isOperation(s, seg, m) : suspect && isIdentifier(s, seg, m));
    if (id || m < e) {
      out += s.slice(copied, seg);
      out += id ? ID : s.slice(seg, m);
      // The ';' stays, as the query's '?' does: a segment never vanishes into a '//'.
      if (m < e) out += `;${params(s, m + 1, e, true)}`;
      copied = e;
    }
    compartment = ids && isCompartment(s, seg, m);
    seg = e + 1;
  }
  return copied === from ? null : out + s.slice(copied, to);
}

/** Is the segment name [a, b) one of COMPARTMENTS (ASCII case-insensitive)? */
function isCompartment(s: string, a: number, b: number): boolean {
  const n = b - a;
  if (n < MIN_COMPARTMENT || n > MAX_COMPARTMENT) return false;
  for (const w of COMPARTMENTS) if (w.length === n && sameWord(s, a, w)) return true;
  return false;
}

/** Does s at `a` spell `w` (lowercase), ignoring the case of letters? */
function sameWord(s: string, a: number, w: string): boolean {
  for (let i = 0; i < w.length; i++) {
    const c = s.charCodeAt(a + i);
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== w.charCodeAt(i)) return false;
  }
  return true;
}

/** A FHIR operation or control segment (`$everything`, `_history`): '_' or '$', then letters and '-'. */
function isOperation(s: string, a: number, b: number): boolean {
  const c0 = s.charCodeAt(a);
  if ((c0 !== 0x5f && c0 !== 0x24) || b - a < 2) return false;
  for (let i = a + 1; i < b; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === DASH)) return false;
  }
  return true;
}

/** Is the segment name [a, b) identifier-like (not after a compartment; see the file's head)? */
function isIdentifier(s: string, a: number, b: number): boolean {
  // A static-file name is judged by what precedes its extension.
  let dot = b - 1;
  while (dot > a && b - dot <= MAX_EXT && s.charCodeAt(dot) !== DOT) dot--;
  const isStatic = dot > a && s.charCodeAt(dot) === DOT && isStaticExt(s, dot + 1, b);
  const stem = isStatic ? dot : b;
  let digits = 0;
  let dots = 0;
  let numeric = true; // digits and dots only
  let run = 0;
  let maxRun = 0;
  // UUID: `group` counts the 8-4-4-4 hex groups seen, each closed by '-'; `hex` the current run.
  let group = 0;
  let hex = 0;
  for (let i = a; i < stem; i++) {
    const c = s.charCodeAt(i);
    const digit = c >= 0x30 && c <= 0x39;
    if (digit) {
      digits++;
      if (++run > maxRun) maxRun = run;
    } else {
      run = 0;
      if (c === DOT) dots++;
      else numeric = false;
      if (c === CARET || c === COMMA) return true;
      if (c === PCT) {
        const hi = s.charCodeAt(i + 1);
        const lo = s.charCodeAt(i + 2) | 0x20;
        if ((hi === 0x35 && lo === 0x65) || (hi === 0x32 && lo === 0x63)) return true; // %5E '^', %2C ','
      }
    }
    const lc = c | 0x20;
    if (digit || (lc >= 0x61 && lc <= 0x66)) {
      if (++hex >= 12 && group === 4) return true;
    } else {
      if (c === DASH && group >= 1 && group <= 3 && hex === 4) group++;
      else group = c === DASH && hex >= 8 ? 1 : 0;
      hex = 0;
    }
  }
  if (numeric && dots >= 2 && digits > 0) return true;
  if (isStatic) return maxRun >= 4;
  if (digits === 0 || b - a < 4) return false;
  return !isVersion(s, a, b) && !isRelease(s, a, b);
}

function isStaticExt(s: string, a: number, b: number): boolean {
  const n = b - a;
  for (const w of STATIC) if (w.length === n && sameWord(s, a, w)) return true;
  return false;
}

/** `v2`, `v2.3`, `1.10`: an optional 'v', digits with at most one dot, at most 3 digits. */
function isVersion(s: string, a: number, b: number): boolean {
  let i = a;
  if ((s.charCodeAt(i) | 0x20) === 0x76) i++;
  let digits = 0;
  let dots = 0;
  for (; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits++;
    else if (c === DOT) dots++;
    else return false;
  }
  return digits > 0 && digits <= 3 && dots <= 1;
}

function isRelease(s: string, a: number, b: number): boolean {
  const n = b - a;
  for (const w of RELEASES) if (w.length === n && sameWord(s, a, w)) return true;
  return false;
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
