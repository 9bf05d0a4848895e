import { describe, expect, it } from 'vitest';
import { authorityWithoutUserinfo, redactUri } from '../../src/decode/uri-privacy.js';
import { rng } from '../helpers/rng.js';

describe('redactUri: absolute URIs', () => {
  it('userinfo becomes redacted@, every query value goes, names stay, the fragment goes', () => {
    expect(redactUri('http://nurse:secret@10.1.1.5/api?mrn=12345&name=DOE')).toBe(
      'http://redacted@10.1.1.5/api?mrn=&name=',
    );
    expect(redactUri('https://svc@cloud.example:8443/v1/up#token=abc')).toBe(
      'https://redacted@cloud.example:8443/v1/up',
    );
  });

  it('no userinfo: the authority is left exactly as written (no redacted@ added)', () => {
    expect(redactUri('http://10.1.1.5:8080/fw/latest.bin')).toBe('http://10.1.1.5:8080/fw/latest.bin');
    expect(redactUri('http://Ward.Example/a?b=1')).toBe('http://Ward.Example/a?b=');
  });

  it('many @: everything before the last @ of the authority is userinfo; an @ in the path is path', () => {
    expect(redactUri('http://a@b:c@@d@host.example/x')).toBe('http://redacted@host.example/x');
    expect(redactUri('http://host.example/users/@me?u=a@b')).toBe('http://host.example/users/@me?u=');
    expect(redactUri('http://u:p@host.example?x=1')).toBe('http://redacted@host.example?x=');
    expect(redactUri('http://u:p@')).toBe('http://redacted@');
  });

  it('IPv6 literals and ports are kept; userinfo before them is not', () => {
    expect(redactUri('http://[::1]:80/status')).toBe('http://[::1]:80/status');
    expect(redactUri('http://admin:pw@[2001:db8::1]:8080/a?k=v')).toBe('http://redacted@[2001:db8::1]:8080/a?k=');
    expect(redactUri('http://[fe80::1%25eth0]/')).toBe('http://[fe80::1%25eth0]/');
  });

  it('percent-encoding is never decoded: %40 is no @, %3D no =, and kept parts stay byte for byte', () => {
    expect(redactUri('http://user%40ward:pw@host.example/a%AEb?q%3Dx=1%262')).toBe(
      'http://redacted@host.example/a%AEb?q%3Dx=',
    );
    expect(redactUri('http://host.example/%40?a=%41')).toBe('http://host.example/%40?a=');
    // Counted raw, an escape's hex digits are digits: `a%20b` is 5 characters with a digit.
    expect(redactUri('http://host.example/a%20b/c')).toBe('http://host.example/:id/c');
  });

  it('a network-path reference (//user@host) has an authority too; other schemes and cases are handled alike', () => {
    expect(redactUri('//u:p@h.example/x')).toBe('//redacted@h.example/x');
    expect(redactUri('FTP://anon:me@files.example/pub')).toBe('FTP://redacted@files.example/pub');
  });
});

describe('redactUri: origin-form, queries, matrix parameters', () => {
  it('origin-form: a path of words is kept, query values and the fragment go', () => {
    expect(redactUri('/api?mrn=12345&name=DOE')).toBe('/api?mrn=&name=');
    expect(redactUri('/monitor/status?id=7#top')).toBe('/monitor/status?id=');
    expect(redactUri('/a#frag?x=1')).toBe('/a');
    expect(redactUri('/index.html')).toBe('/index.html');
    expect(redactUri('*')).toBe('*');
  });

  it('a parameter without = is all value and is dropped with its separator; the ? stays', () => {
    expect(redactUri('/lookup?12345')).toBe('/lookup?');
    expect(redactUri('/q?a=1&12345&b=2')).toBe('/q?a=&b=');
    expect(redactUri('/q?DOE&b=2')).toBe('/q?b=');
    expect(redactUri('/q?')).toBe('/q?');
    expect(redactUri('/q?&&=x&')).toBe('/q?=');
  });

  it('; separates query parameters too, and the separator before a kept one is kept', () => {
    expect(redactUri('/q?a=1;b=2&c=3')).toBe('/q?a=;b=&c=');
    expect(redactUri('/q?x=a=b')).toBe('/q?x=');
  });

  it('matrix parameters: each keeps its name and =, a bare one goes (its first ; stays), the segment before them stays', () => {
    expect(redactUri('/a;jsessionid=XYZ/b')).toBe('/a;jsessionid=/b');
    expect(redactUri('/p;mrn=12345;name=DOE;v2/q;x=1?k=v')).toBe('/p;mrn=;name=/q;x=?k=');
    expect(redactUri('/p;12345;mrn=1/x')).toBe('/p;mrn=/x');
    expect(redactUri('/a;v2/b')).toBe('/a;/b');
    // A segment that was only a bare parameter keeps its ';': no '//' appears to start an authority.
    expect(redactUri('/;u/x@evil/')).toBe('/;/x@evil/');
    expect(redactUri('/a;b=c&d/e')).toBe('/a;b=/e');
    expect(redactUri('http://u:p@h.example/r;s=t')).toBe('http://redacted@h.example/r;s=');
  });

  it('the same string comes back when there is nothing to remove', () => {
    const s = '/fw/latest.bin';
    expect(redactUri(s)).toBe(s);
    expect(redactUri('')).toBe('');
  });
});

describe('redactUri: identifier-like path segments become :id', () => {
  it('FHIR: the segment after a patient-compartment resource goes whatever it looks like; operations stay', () => {
    expect(redactUri('/fhir/Patient/12345')).toBe('/fhir/Patient/:id');
    expect(redactUri('/Patient/12345/_history/2')).toBe('/Patient/:id/_history/2');
    expect(redactUri('/fhir/Patient/DOE')).toBe('/fhir/Patient/:id');
    expect(redactUri('/fhir/Patient/A/Observation')).toBe('/fhir/Patient/:id/Observation');
    expect(redactUri('/Person/x/RelatedPerson/y/Practitioner/z/Encounter/w')).toBe(
      '/Person/:id/RelatedPerson/:id/Practitioner/:id/Encounter/:id',
    );
    expect(redactUri('/api/PATIENTS/smith/vitals')).toBe('/api/PATIENTS/:id/vitals');
    expect(redactUri('/persons/jane;v=1/x')).toBe('/persons/:id;v=/x');
    // FHIR ids are [A-Za-z0-9-.]: a '_' or '$' segment there is an operation, not a patient.
    expect(redactUri('/fhir/Patient/_search')).toBe('/fhir/Patient/_search');
    expect(redactUri('/fhir/Patient/$everything')).toBe('/fhir/Patient/$everything');
    expect(redactUri('/fhir/Patient/$member-match')).toBe('/fhir/Patient/$member-match');
    expect(redactUri('/fhir/Patient/_DOE1')).toBe('/fhir/Patient/:id');
    expect(redactUri('/fhir/Patient/')).toBe('/fhir/Patient/');
    expect(redactUri('/fhir/Patient')).toBe('/fhir/Patient');
    // The compartment is what the segment said on the wire: a patient named Patient does not free the next one.
    expect(redactUri('/Patient/Patient/DOE')).toBe('/Patient/:id/:id');
    // A query naming a patient is the query rule's.
    expect(redactUri('/Observation?subject=Patient/123')).toBe('/Observation?subject=');
    // Words that only contain a compartment name are no compartment.
    expect(redactUri('/patientlist/ward')).toBe('/patientlist/ward');
  });

  it('vendor APIs: MRNs, HL7-encoded names, DICOM UIDs and UUIDs go, the words around them stay', () => {
    expect(redactUri('/api/patients/MRN0012345/vitals')).toBe('/api/patients/:id/vitals');
    expect(redactUri('/api/beds/MRN0012345/vitals')).toBe('/api/beds/:id/vitals');
    expect(redactUri('/patient/DOE%5EJOHN/')).toBe('/patient/:id/');
    expect(redactUri('/lookup/DOE%5eJOHN/x')).toBe('/lookup/:id/x');
    expect(redactUri('/lookup/DOE^JOHN^Q/x')).toBe('/lookup/:id/x');
    expect(redactUri('/studies/1.2.840.113619.2.55.3.604688119/series')).toBe('/studies/:id/series');
    expect(redactUri('/records/3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBe('/records/:id');
    expect(redactUri('/r/3F2504E0-4F89-11D3-9A0C-0305E82C3301;rev=2')).toBe('/r/:id;rev=');
    expect(redactUri('/api/12345')).toBe('/api/:id');
    expect(redactUri('/api/2023/x')).toBe('/api/:id/x');
    expect(redactUri('http://u:pw@h.example:8080/records/AB1234/pdf?mrn=1')).toBe(
      'http://redacted@h.example:8080/records/:id/pdf?mrn=',
    );
    expect(redactUri('//h.example/patients/DOE')).toBe('//h.example/patients/:id');
  });

  it('names after the words EHR and vendor APIs put before a patient, and LAST,FIRST names anywhere, go', () => {
    expect(redactUri('/records/DOE')).toBe('/records/:id');
    expect(redactUri('/api/mrn/SMITHJ/labs')).toBe('/api/mrn/:id/labs');
    expect(redactUri('/MRNS/abc')).toBe('/MRNS/:id');
    expect(redactUri('/ehr/chart/JaneDoe/notes')).toBe('/ehr/chart/:id/notes');
    expect(redactUri('/Residents/doe;v=2')).toBe('/Residents/:id;v=');
    expect(redactUri('/study/subjects/DOE/visits')).toBe('/study/subjects/:id/visits');
    expect(redactUri('/plan/member/DOE')).toBe('/plan/member/:id');
    expect(redactUri('/lookup/DOE,JOHN/x')).toBe('/lookup/:id/x');
    expect(redactUri('/lookup/Doe%2CJohn')).toBe('/lookup/:id');
    expect(redactUri('/lookup/Doe%2cJohn.txt')).toBe('/lookup/:id');
    // A FHIR-style operation after the word stays, and the word alone or inside another is no compartment.
    expect(redactUri('/records/_search')).toBe('/records/_search');
    expect(redactUri('/api/records')).toBe('/api/records');
    expect(redactUri('/patientrecords/ward/mrnlist/x')).toBe('/patientrecords/ward/mrnlist/x');
    // The price: a word after one of them is lost too.
    expect(redactUri('/records/latest')).toBe('/records/:id');
  });

  it('static files keep their names unless a UUID, an OID, a ^ or 4 digits in a row is in them', () => {
    expect(redactUri('/index.html')).toBe('/index.html');
    expect(redactUri('/favicon.ico')).toBe('/favicon.ico');
    expect(redactUri('/js/app.js')).toBe('/js/app.js');
    expect(redactUri('/lib/jquery-3.6.0.min.js')).toBe('/lib/jquery-3.6.0.min.js');
    expect(redactUri('/img/favicon-32x32.PNG')).toBe('/img/favicon-32x32.PNG');
    expect(redactUri('/fonts/r2d2.woff2')).toBe('/fonts/r2d2.woff2');
    expect(redactUri('/x/3f2504e0-4f89-11d3-9a0c-0305e82c3301.json')).toBe('/x/:id');
    // No run of 4 digits: only the UUID rule sees these; the second has no digit at all.
    expect(redactUri('/x/a3f2b5e0-4f8c-11d3-9a0c-0a05e82c3b01.json')).toBe('/x/:id');
    expect(redactUri('/r/abcdefab-cdef-abcd-efab-cdefabcdefab')).toBe('/r/:id');
    expect(redactUri('/r/x-abcdefab-cdef-abcd-efab-cdefabcdefab-y.css')).toBe('/r/:id');
    // Dashed hex that is no 8-4-4-4-12 stays (an all-letter word).
    expect(redactUri('/r/deadbeef-cafe-face-bead.css')).toBe('/r/deadbeef-cafe-face-bead.css');
    expect(redactUri('/x/1.2.840.10008.xml')).toBe('/x/:id');
    expect(redactUri('/x/DOE^JOHN.txt')).toBe('/x/:id');
    expect(redactUri('/reports/12345678.json')).toBe('/reports/:id');
    // Not a static extension: the digit rule.
    expect(redactUri('/fw/pm-1.2.bin')).toBe('/fw/:id');
    expect(redactUri('/fw/latest.bin')).toBe('/fw/latest.bin');
  });

  it('kept: all-letter and short segments, versions, FHIR releases, and what is no path', () => {
    const kept = [
      '/api/v1/vitals',
      '/api/v2.3/Observation',
      '/1.1/status',
      '/V10.2/x',
      '/v100/x',
      '/fhir/R4/Observation',
      '/fhir/STU3/Device',
      '/baseDstu3/Device',
      '/hapi/baseR4/metadata',
      '/oauth2/token',
      '/p12/a-b/x_y/.well-known/..',
      '/a//b/',
      '/',
      '*',
      'http://10.1.1.5:8080',
      'http://10.1.1.5:8080/',
      // An authority-form CONNECT target is no path: its port stays.
      '202.114.4.120:515',
      'fw.vendor.example:443',
    ];
    for (const u of kept) expect(redactUri(u), u).toBe(u);
    // Versions end at 3 digits and one dot; a fourth digit or a second dot is an identifier.
    expect(redactUri('/v1000/x')).toBe('/:id/x');
    expect(redactUri('/1.2.3/x')).toBe('/:id/x');
    expect(redactUri('/sha256/x')).toBe('/:id/x');
  });

  it('the host is never read as a path segment, and a matrix parameter name is kept', () => {
    expect(redactUri('http://10.1.1.5:8080/12345')).toBe('http://10.1.1.5:8080/:id');
    expect(redactUri('http://u@3f2504e0-4f89-11d3-9a0c-0305e82c3301.example/a')).toBe(
      'http://redacted@3f2504e0-4f89-11d3-9a0c-0305e82c3301.example/a',
    );
    expect(redactUri('/a;mrn1234=5/b')).toBe('/a;mrn1234=/b');
  });
});

describe('authorityWithoutUserinfo', () => {
  it('drops userinfo and its @, keeps host and port', () => {
    expect(authorityWithoutUserinfo('user:pw@example.org')).toBe('example.org');
    expect(authorityWithoutUserinfo('user:pw@example.org:8080')).toBe('example.org:8080');
    expect(authorityWithoutUserinfo('a@b@c@[::1]:80')).toBe('[::1]:80');
    expect(authorityWithoutUserinfo('[::1]:80')).toBe('[::1]:80');
    expect(authorityWithoutUserinfo('ward-7.example')).toBe('ward-7.example');
    expect(authorityWithoutUserinfo('x@')).toBe('');
    expect(authorityWithoutUserinfo('')).toBe('');
  });
});

// Characters RFC 3986 allows in userinfo and in query values (unreserved, sub-delims but '&' ';' '=',
// which are the query's own separators, ':' in userinfo, percent-escapes), and in names.
const SECRET_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$'()*+,";
const ANY = `${SECRET_CHARS}@:/?#[]&;=% \u00e9\u{1F600}\ud800`;

function pick(r: () => number, alphabet: string, min: number, max: number): string {
  const chars = [...alphabet];
  const n = min + Math.floor(r() * (max - min + 1));
  let s = '';
  for (let i = 0; i < n; i++) s += chars[Math.floor(r() * chars.length)];
  return s;
}

describe('redactUri fuzz (seeded)', () => {
  it('no input throws; the password and every query value of a generated URI are gone, host and path stay', () => {
    const r = rng(0x5eed);
    let checked = 0;
    for (let n = 0; n < 3000; n++) {
      // Marked secrets (Q…Z) cannot be mistaken for the generated scheme, host, path or names.
      const pw = `Z${pick(r, SECRET_CHARS, 4, 20)}Z`;
      const user = pick(r, `${SECRET_CHARS}:%@`, 0, 12);
      const host = r() < 0.3 ? `[2001:db8::${Math.floor(r() * 999)}]` : `h${Math.floor(r() * 1e6)}.example`;
      const port = r() < 0.5 ? `:${Math.floor(r() * 65535)}` : '';
      const path =
        r() < 0.2
          ? ''
          : `/p${Math.floor(r() * 100)}/q%40${r() < 0.5 ? ';m=' + `Q${pick(r, SECRET_CHARS, 1, 8)}Q` : ''}`;
      const values: string[] = [];
      const query: string[] = [];
      const k = Math.floor(r() * 5);
      for (let i = 0; i < k; i++) {
        const v = `Q${pick(r, `${SECRET_CHARS}=/?:@`, 1, 12)}Q`;
        values.push(v);
        query.push(r() < 0.2 ? v : `n${i}=${v}`);
      }
      const frag = r() < 0.3 ? `#F${pick(r, ANY, 0, 10)}` : '';
      const at = r() < 0.2 ? '@'.repeat(1 + Math.floor(r() * 4)) : '@';
      const uri = `http://${user}:${pw}${at}${host}${port}${path}${k > 0 ? `?${query.join(r() < 0.5 ? '&' : ';')}` : ''}${frag}`;
      const out = redactUri(uri);
      expect(out, uri).not.toContain(pw);
      for (const v of values) expect(out, uri).not.toContain(v);
      expect(out.includes('#'), uri).toBe(false);
      expect(
        // `q%40` is 4 characters with a digit (counted raw): an identifier-like segment.
        out.startsWith(`http://redacted@${host}${port}${path.replace(/;m=Q.*Q$/, ';m=').replace('q%40', ':id')}`),
        `${uri} → ${out}`,
      ).toBe(true);
      for (let i = 0; i < k; i++) if (query[i] !== values[i]) expect(out, uri).toContain(`n${i}=`);
      expect(authorityWithoutUserinfo(`${user}:${pw}${at}${host}${port}`)).toBe(`${host}${port}`);
      checked++;
    }
    expect(checked).toBe(3000);
  });

  it('an identifier segment (4+ digits, a UUID, an OID, an HL7 or LAST,FIRST name, anything after Patient/ or records/) never survives', () => {
    const r = rng(0x1d5);
    const HEX = '0123456789abcdefABCDEF';
    const WORDS = ['api', 'fhir', 'vitals', 'Observation', 'v2', 'index.html', 'status'];
    const COMPARTMENT = [
      'Patient',
      'patients',
      'Person',
      'PERSONS',
      'RelatedPerson',
      'Practitioner',
      'Encounter',
      'mrn',
      'MRNs',
      'records',
      'Chart',
      'residents',
      'subject',
      'members',
    ];
    const NAME_SEPARATORS = ['^', '%5E', ',', '%2c'];
    const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    const hexes = (n: number) => pick(r, HEX, n, n);
    for (let n = 0; n < 3000; n++) {
      const kind = Math.floor(r() * 5);
      let id: string;
      if (kind === 0) id = `${pick(r, LETTERS, 0, 3)}${pick(r, '0123456789', 4, 12)}${pick(r, LETTERS, 0, 3)}`;
      else if (kind === 1)
        id = `${hexes(8)}-${hexes(4)}-${hexes(4)}-${hexes(4)}-${hexes(12)}${r() < 0.5 ? '.json' : ''}`;
      else if (kind === 2) id = `1.2.${Math.floor(r() * 1e6)}.${Math.floor(r() * 1e9)}`;
      else if (kind === 3) {
        const sep = NAME_SEPARATORS[Math.floor(r() * NAME_SEPARATORS.length)]!;
        id = `${pick(r, LETTERS, 1, 8)}${sep}${pick(r, LETTERS, 1, 8)}`;
      } else id = pick(r, `${LETTERS}0123456789-.`, 1, 16).replace(/^[_$]/, 'x');
      const before = Array.from({ length: Math.floor(r() * 3) }, () => WORDS[Math.floor(r() * WORDS.length)]!);
      const after = Array.from({ length: Math.floor(r() * 3) }, () => WORDS[Math.floor(r() * WORDS.length)]!);
      if (kind === 4) before.push(COMPARTMENT[Math.floor(r() * COMPARTMENT.length)]!);
      const matrix = r() < 0.2 ? ';k=v' : '';
      const tail = r() < 0.3 ? '?q=1' : '';
      const prefix = r() < 0.5 ? 'http://h.example' : '';
      const uri = `${prefix}/${[...before, `${id}${matrix}`, ...after].join('/')}${tail}`;
      const out = redactUri(uri);
      const expected = `${prefix}/${[...before, `:id${matrix ? ';k=' : ''}`, ...after].join('/')}${tail ? '?q=' : ''}`;
      expect(out, uri).toBe(expected);
    }
  });

  it('random and hostile strings: never throws, is idempotent, and grows by at most redacted@ and :id for a short segment', () => {
    const r = rng(1234);
    const hostile = [
      '',
      '@',
      '@@@@',
      '://@',
      'http://',
      'http://@',
      'http:///@/',
      '//',
      '//@',
      '?',
      '#',
      ';',
      '?=&=;=',
      '[::1]:80',
      'http://[::1',
      'http://%40%40@%40/',
      `http://${'@'.repeat(10_000)}h/`,
      `/${'a;'.repeat(20_000)}`,
      `/${'Patient/'.repeat(20_000)}`,
      `/${'Patient/A/'.repeat(20_000)}`,
      `/${'1'.repeat(50_000)}/${'3f2504e0-'.repeat(10_000)}/${'^'.repeat(1000)}/${'1.'.repeat(10_000)}.js`,
      '/Patient/$/_/.js/.',
      '/%5/%',
      `/?${'&'.repeat(50_000)}`,
      `http://${'u'.repeat(100_000)}@h/?${'x=1&'.repeat(10_000)}`,
      '\ud800@\udc00?\u0000=\u0000',
    ];
    const inputs = [...hostile];
    for (let n = 0; n < 3000; n++) {
      const s = pick(r, ANY, 0, 60);
      inputs.push(r() < 0.4 ? `http://${s}` : r() < 0.5 ? `/${s}` : s);
    }
    for (const s of inputs) {
      const out = redactUri(s);
      expect(typeof out).toBe('string');
      // A segment shorter than ':id' is replaced only after a compartment name or when it is a lone '^'.
      const slashes = s.split('/').length - 1;
      expect(out.length).toBeLessThanOrEqual(s.length + 'redacted@'.length + 2 * slashes);
      expect(redactUri(out), s).toBe(out);
      expect(out.includes('#')).toBe(false);
      const a = authorityWithoutUserinfo(s);
      expect(a.includes('@')).toBe(false);
      expect(s.endsWith(a)).toBe(true);
    }
  });
});
