// Matches what a device revealed about itself (HL7 MSH-3, DHCP host name and vendor class, OUI,
// DICOM AE title) against catalog models. Each hint kind alone is enough to name a model; the
// weight says how much a kind is worth, so an OUI (a vendor, not a product) counts for less.
import type { CatalogModel } from '../contract/catalog.js';
import type { Advisory } from '../contract/records.js';
import type { Catalog } from '../contract/catalog.js';
import { formatPrefix } from './oui.js';

export type HintKind =
  | 'hl7-msh3'
  | 'dhcp-hostname'
  | 'dhcp-vendor-class'
  | 'oui'
  | 'dicom-ae'
  | 'snmp-sysobjectid'
  | 'snmp-sysdescr';

/** How strongly one matching hint of each kind names the model. */
export const HINT_WEIGHT: Readonly<Record<HintKind, number>> = {
  'hl7-msh3': 0.9, // the application names itself in every message
  'dhcp-vendor-class': 0.85, // set by the firmware's DHCP client
  'dhcp-hostname': 0.8, // often factory default, but a site can rename it
  'dicom-ae': 0.5, // site-assigned naming convention
  oui: 0.5, // names the network interface's maker, not the product
  'snmp-sysobjectid': 0.9, // the agent's own product OID under its vendor's enterprise arc
  'snmp-sysdescr': 0.85, // firmware-written, often the model and version
};

export interface Evidence {
  readonly hl7Apps: readonly string[];
  readonly hostname?: string;
  readonly vendorClass?: string;
  /** Registry prefix digits as found by lookupOui (6, 7 or 9 hex) and the 12-digit MAC. */
  readonly macHex?: string;
  readonly vendor?: string;
  readonly dicomAes: readonly string[];
  /** SNMP system group from the device's agent (issue 19). */
  readonly snmpSysDescr?: string;
  readonly snmpSysObjectId?: string;
}

export interface HintMatch {
  readonly kind: HintKind;
  readonly value: string;
}

export interface Identification {
  readonly model: CatalogModel;
  readonly score: number;
  readonly matches: readonly HintMatch[];
  readonly identifiedBy: readonly HintKind[];
  readonly advisories: readonly Advisory[];
  readonly reasons: readonly string[];
}

interface Compiled {
  readonly model: CatalogModel;
  readonly hl7: readonly RegExp[];
  readonly hostname: readonly RegExp[];
  readonly vendorClass: readonly RegExp[];
  readonly ouiVendor: readonly RegExp[];
  readonly dicomAe: readonly RegExp[];
  readonly snmpSysDescr: readonly RegExp[];
  readonly snmpSysObjectId: readonly RegExp[];
  readonly ouiPrefixes: readonly string[];
}

// Whole-field, case-insensitive: a hint says what the field *is*, not what it contains.
const whole = (src: string): RegExp => new RegExp(`^(?:${src})$`, 'i');

function compile(model: CatalogModel): Compiled {
  const h = model.hints;
  return {
    model,
    hl7: (h.hl7SendingApp ?? []).map(whole),
    hostname: (h.dhcpHostname ?? []).map(whole),
    vendorClass: (h.dhcpVendorClass ?? []).map(whole),
    ouiVendor: (h.ouiVendor ?? []).map(whole),
    dicomAe: (h.dicomAe ?? []).map(whole),
    snmpSysDescr: (h.snmpSysDescr ?? []).map(whole),
    snmpSysObjectId: (h.snmpSysObjectId ?? []).map(whole),
    ouiPrefixes: (h.ouiPrefix ?? []).map((p) => p.replace(/[:.-]/g, '').toUpperCase()),
  };
}

const compiledCache = new WeakMap<Catalog, readonly Compiled[]>();

function compiled(catalog: Catalog): readonly Compiled[] {
  let c = compiledCache.get(catalog);
  if (c === undefined) {
    c = catalog.models.map(compile);
    compiledCache.set(catalog, c);
  }
  return c;
}

const anyMatch = (res: readonly RegExp[], value: string | undefined): boolean =>
  value !== undefined && value !== '' && res.some((re) => re.test(value));

function matchModel(c: Compiled, ev: Evidence): HintMatch[] {
  const out: HintMatch[] = [];
  const app = ev.hl7Apps.find((a) => anyMatch(c.hl7, a));
  if (app !== undefined) out.push({ kind: 'hl7-msh3', value: app });
  if (anyMatch(c.hostname, ev.hostname)) out.push({ kind: 'dhcp-hostname', value: ev.hostname! });
  if (anyMatch(c.vendorClass, ev.vendorClass)) out.push({ kind: 'dhcp-vendor-class', value: ev.vendorClass! });
  const prefix = ev.macHex && c.ouiPrefixes.find((p) => ev.macHex!.startsWith(p));
  if (prefix) out.push({ kind: 'oui', value: formatPrefix(prefix) });
  else if (anyMatch(c.ouiVendor, ev.vendor)) out.push({ kind: 'oui', value: ev.vendor! });
  const ae = ev.dicomAes.find((a) => anyMatch(c.dicomAe, a));
  if (ae !== undefined) out.push({ kind: 'dicom-ae', value: ae });
  if (anyMatch(c.snmpSysObjectId, ev.snmpSysObjectId))
    out.push({ kind: 'snmp-sysobjectid', value: ev.snmpSysObjectId! });
  if (anyMatch(c.snmpSysDescr, ev.snmpSysDescr)) out.push({ kind: 'snmp-sysdescr', value: ev.snmpSysDescr! });
  return out;
}

/** Independent hints combine like independent witnesses: 1 − Π(1 − w). */
function combine(matches: readonly HintMatch[]): number {
  let miss = 1;
  for (const m of matches) miss *= 1 - HINT_WEIGHT[m.kind];
  return 1 - miss;
}

function describe(m: HintMatch, model: CatalogModel, vendor: string | undefined): string {
  switch (m.kind) {
    case 'hl7-msh3':
      return `HL7 sending application (MSH-3) '${m.value}' matches ${model.name}`;
    case 'dhcp-hostname':
      return `DHCP host name '${m.value}' matches ${model.name}`;
    case 'dhcp-vendor-class':
      return `DHCP vendor class '${m.value}' matches ${model.name}`;
    case 'dicom-ae':
      return `DICOM AE title '${m.value}' follows the naming of a ${model.name}`;
    case 'snmp-sysobjectid':
      return `SNMP sysObjectID ${m.value} is ${model.name}'s`;
    case 'snmp-sysdescr':
      return `SNMP sysDescr '${m.value}' matches ${model.name}`;
    case 'oui': {
      const who = vendor ? ` ('${vendor}')` : '';
      const what = /^[0-9A-F:]+$/i.test(m.value) ? `MAC prefix ${m.value}${who}` : `MAC vendor '${m.value}'`;
      return `${what} is ${model.vendor}'s; the model is a guess from the vendor alone`;
    }
  }
}

/** The best-matching catalog model for the evidence, or undefined when no hint matches. */
export function identify(catalog: Catalog, ev: Evidence): Identification | undefined {
  let best: { c: Compiled; matches: HintMatch[]; score: number } | undefined;
  for (const c of compiled(catalog)) {
    const matches = matchModel(c, ev);
    if (matches.length === 0) continue;
    const score = combine(matches);
    if (best === undefined || score > best.score) best = { c, matches, score };
  }
  if (best === undefined) return undefined;
  const { model } = best.c;
  const reasons = best.matches.map((m) => describe(m, model, ev.vendor));
  if (model.relabelOf !== undefined) {
    const of = catalog.models.find((m) => m.id === model.relabelOf);
    reasons.push(`${model.name} is a relabelled ${of?.name ?? model.relabelOf}`);
  }
  if (model.advisories.length > 0) {
    reasons.push(`advisories for ${model.name}: ${model.advisories.map((a) => a.id).join(', ')}`);
  }
  return {
    model,
    score: best.score,
    matches: best.matches,
    identifiedBy: [...new Set(best.matches.map((m) => m.kind))],
    advisories: model.advisories,
    reasons,
  };
}
