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
    expect(redactUri('http://user%40ward:pw@host.example/a%20b?q%3Dx=1%262')).toBe(
      'http://redacted@host.example/a%20b?q%3Dx=',
    );
    expect(redactUri('http://host.example/%40?a=%41')).toBe('http://host.example/%40?a=');
  });

  it('a network-path reference (//user@host) has an authority too; other schemes and cases are handled alike', () => {
    expect(redactUri('//u:p@h.example/x')).toBe('//redacted@h.example/x');
    expect(redactUri('FTP://anon:me@files.example/pub')).toBe('FTP://redacted@files.example/pub');
  });
});

describe('redactUri: origin-form, queries, matrix parameters', () => {
  it('origin-form: the path is kept, query values and the fragment go', () => {
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
        out.startsWith(`http://redacted@${host}${port}${path.replace(/;m=Q.*Q$/, ';m=')}`),
        `${uri} → ${out}`,
      ).toBe(true);
      for (let i = 0; i < k; i++) if (query[i] !== values[i]) expect(out, uri).toContain(`n${i}=`);
      expect(authorityWithoutUserinfo(`${user}:${pw}${at}${host}${port}`)).toBe(`${host}${port}`);
      checked++;
    }
    expect(checked).toBe(3000);
  });

  it('random and hostile strings: never throws, is idempotent, and never grows past userinfo’s redacted@', () => {
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
      expect(out.length).toBeLessThanOrEqual(s.length + 'redacted@'.length);
      expect(redactUri(out), s).toBe(out);
      expect(out.includes('#')).toBe(false);
      const a = authorityWithoutUserinfo(s);
      expect(a.includes('@')).toBe(false);
      expect(s.endsWith(a)).toBe(true);
    }
  });
});
