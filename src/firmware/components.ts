// Components and versions from the strings programs carry about themselves ("BusyBox v1.20.2")
// and from library file names (libuClibc-0.9.33.2.so). No package database exists on these images.
import type { Component } from './types.js';

interface Pattern {
  name: string;
  re: RegExp;
}

const STRING_PATTERNS: Pattern[] = [
  { name: 'busybox', re: /BusyBox v(\d+\.\d+(?:\.\d+)?)/ },
  { name: 'linux', re: /Linux version (\d+\.\d+(?:\.\d+){0,2}[\w+-]*)/ },
  { name: 'linux', re: /^Linux-(\d+\.\d+(?:\.\d+){0,2})/ },
  { name: 'openssl', re: /OpenSSL (\d+\.\d+\.\d+[a-z]{0,2})\b/ },
  { name: 'dropbear', re: /dropbear_(\d{4}\.\d+)/i },
  { name: 'dropbear', re: /Dropbear (?:SSH )?(?:multi-purpose )?(?:version |v)(\d{4}\.\d+)/i },
  { name: 'openssh', re: /OpenSSH_(\d+\.\d+(?:p\d+)?)/ },
  { name: 'lighttpd', re: /lighttpd\/(\d+\.\d+\.\d+)/ },
  { name: 'boa', re: /\bBoa\/(\d+\.\d+\.\d+(?:rc\d+)?)/ },
  { name: 'thttpd', re: /\bthttpd\/(\d+\.\d+\w*)/ },
  { name: 'curl', re: /\b(?:lib)?curl\/(\d+\.\d+\.\d+)/ },
  { name: 'zlib', re: /(?:deflate|inflate) (\d+\.\d+\.\d+(?:\.\d+)?) Copyright/ },
  { name: 'dnsmasq', re: /\bdnsmasq-(\d+\.\d+)/i },
  { name: 'glibc', re: /GNU C Library [^\n]*?release version (\d+\.\d+(?:\.\d+)?)/ },
  { name: 'uclibc', re: /uClibc(?:-ng)? (\d+\.\d+\.\d+(?:\.\d+)?)/ },
  { name: 'wpa_supplicant', re: /wpa_supplicant v(\d+\.\d+(?:\.\d+)?)/ },
];
// Cheap prefilter so most strings never meet the patterns above.
const KEYWORDS =
  /BusyBox|Linux|OpenSSL|ropbear|OpenSSH|lighttpd|Boa\/|thttpd|curl\/|Copyright|nsmasq|GNU C|uClibc|wpa_/i;

const NAME_PATTERNS: Pattern[] = [
  { name: 'uclibc', re: /(?:^|\/)(?:libuClibc|ld-uClibc)-(\d+\.\d+\.\d+(?:\.\d+)?)\.so$/ },
  { name: 'uclibc', re: /(?:^|\/)ld-uClibc\.so\.\d+$/ },
  { name: 'glibc', re: /(?:^|\/)(?:libc|ld)-(\d+\.\d+(?:\.\d+)?)\.so$/ },
  { name: 'glibc', re: /(?:^|\/)ld-linux[\w.-]*\.so\.\d+$/ },
  { name: 'musl', re: /(?:^|\/)ld-musl-[\w]+\.so\.1$/ },
  { name: 'linux', re: /(?:^|\/)lib\/modules\/(\d+\.\d+(?:\.\d+){0,2}[\w+-]*)(?:\/|$)/ },
  { name: 'openssl', re: /(?:^|\/)libssl\.so\.(\d+\.\d+\.\d+[a-z]?)$/ },
];

export const UNKNOWN_VERSION = 'unknown';

export class ComponentSet {
  private readonly byKey = new Map<string, Component>();

  /** Strings from one file (binary strings or text lines). */
  fromString(text: string, file: string): void {
    if (!KEYWORDS.test(text)) return;
    for (const p of STRING_PATTERNS) {
      const m = p.re.exec(text);
      if (m) this.add(p.name, m[1]!, file);
    }
  }

  fromPath(rel: string): void {
    for (const p of NAME_PATTERNS) {
      const m = p.re.exec(rel);
      if (m) this.add(p.name, m[1] ?? UNKNOWN_VERSION, rel);
    }
  }

  private add(name: string, version: string, file: string): void {
    const key = `${name}@${version}`;
    if (this.byKey.has(key)) return;
    this.byKey.set(key, { name, version, file, purl: purlOf(name, version) });
  }

  /** One entry per name+version; a name with a known version drops its 'unknown' twin. */
  list(): Component[] {
    const all = [...this.byKey.values()];
    const known = new Set(all.filter((c) => c.version !== UNKNOWN_VERSION).map((c) => c.name));
    return all
      .filter((c) => c.version !== UNKNOWN_VERSION || !known.has(c.name))
      .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
  }
}

/** No ecosystem purl type fits firmware-embedded builds, so pkg:generic (purl spec). */
export function purlOf(name: string, version: string): string {
  const v = version === UNKNOWN_VERSION ? '' : `@${encodeURIComponent(version)}`;
  return `pkg:generic/${encodeURIComponent(name)}${v}`;
}
