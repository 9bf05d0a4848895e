// ArcSight Common Event Format (CEF rev. 25 "Implementing ArcSight CEF"):
//   CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension
// Header fields escape `\` and `|`; extension values escape `\` and `=`, and encode newlines as
// `\n` / `\r`. The rule id is the signature id; severity maps to 0–10.
import type { AlertRecord, Severity } from '../contract/records.js';
import { evidenceSummary } from './summary.js';

export const CEF_SEVERITY: Readonly<Record<Severity, number>> = { info: 1, low: 3, medium: 5, high: 8, critical: 10 };

/** Wire text may carry terminal escapes and other controls: none reaches a SIEM line raw. */
const CONTROLS = /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]/g;

export function cefHeaderEscape(s: string): string {
  return s
    .replace(CONTROLS, '.')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, ' ');
}

export function cefValueEscape(s: string): string {
  return s
    .replace(CONTROLS, '.')
    .replace(/\\/g, '\\\\')
    .replace(/=/g, '\\=')
    .replace(/\r\n|\n/g, '\\n')
    .replace(/\r/g, '\\r');
}

export interface CefOptions {
  /** Device Version: the wardwatch version. */
  version?: string;
}

export function formatCef(a: AlertRecord, opts: CefOptions = {}): string {
  const ext: [string, string | number][] = [];
  const v6 = (ip: string) => ip.includes(':');
  if (a.src.ip !== '') {
    if (v6(a.src.ip)) ext.push(['c6a2', a.src.ip], ['c6a2Label', 'Source IPv6 Address']);
    else ext.push(['src', a.src.ip]);
  }
  if (a.src.port !== undefined) ext.push(['spt', a.src.port]);
  if (a.src.mac !== undefined) ext.push(['smac', a.src.mac]);
  if (a.dst.ip !== '') {
    if (v6(a.dst.ip)) ext.push(['c6a3', a.dst.ip], ['c6a3Label', 'Destination IPv6 Address']);
    else ext.push(['dst', a.dst.ip]);
  }
  if (a.dst.port !== undefined) ext.push(['dpt', a.dst.port]);
  const first = Date.parse(a.first);
  const last = Date.parse(a.last);
  ext.push(['rt', last], ['start', first], ['end', last], ['cnt', a.count]);
  ext.push(['msg', a.message]);
  ext.push(['cs1Label', 'evidence'], ['cs1', evidenceSummary(a)]);
  ext.push(['cs2Label', 'deviceId'], ['cs2', a.device.id]);
  if (a.device.model !== undefined) ext.push(['cs3Label', 'deviceModel'], ['cs3', a.device.model]);
  const header = [
    'CEF:0',
    'wardwatch',
    'wardwatch',
    cefHeaderEscape(opts.version ?? '0.1.0'),
    cefHeaderEscape(a.rule),
    cefHeaderEscape(a.message),
    String(CEF_SEVERITY[a.severity]),
  ].join('|');
  return `${header}|${ext.map(([k, v]) => `${k}=${cefValueEscape(String(v))}`).join(' ')}`;
}
