// The device catalog data file (data/catalog.yaml, plus user files named in the config):
// models with identification hints and advisories. Users edit these files, so every field is
// checked here and the loader (src/inventory/catalog.ts) turns issues into "file:line" errors.
import { z } from 'zod';
import { Advisory, DeviceClass } from './records.js';

/** A JavaScript regular expression source, matched case-insensitively against the whole field value. */
export const HintPattern = z
  .string()
  .min(1)
  .superRefine((src, ctx) => {
    try {
      new RegExp(src, 'i');
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `not a valid regular expression (${err instanceof Error ? err.message : String(err)})`,
      });
    }
  });

/** An IEEE registry prefix: 6 (MA-L), 7 (MA-M) or 9 (MA-S) hex digits, separators allowed ('00:09:5C'). */
export const OuiPrefix = z
  .string()
  .refine((s) => /^[0-9A-Fa-f]+$/.test(s.replace(/[:.-]/g, '')) && [6, 7, 9].includes(s.replace(/[:.-]/g, '').length), {
    message: "expected an OUI prefix of 6, 7 or 9 hex digits, e.g. '00:09:5C'",
  });

export const CatalogHints = z.strictObject({
  /** HL7 MSH-3 sending application (component 1), e.g. 'CMS8000'. */
  hl7SendingApp: z.array(HintPattern).optional(),
  /** DHCP option 12 host name. */
  dhcpHostname: z.array(HintPattern).optional(),
  /** DHCP option 60 vendor class identifier. */
  dhcpVendorClass: z.array(HintPattern).optional(),
  /** IEEE registry prefixes of the manufacturer's network interfaces. */
  ouiPrefix: z.array(OuiPrefix).optional(),
  /** Patterns over the registry organisation name (for vendors with many or changing prefixes). */
  ouiVendor: z.array(HintPattern).optional(),
  /** DICOM calling AE title of the device. */
  dicomAe: z.array(HintPattern).optional(),
  /** SNMP sysObjectID.0 of the device's agent, dotted ('1\\.3\\.6\\.1\\.4\\.1\\.11\\..*'). */
  snmpSysObjectId: z.array(HintPattern).optional(),
  /** SNMP sysDescr.0 of the device's agent. */
  snmpSysDescr: z.array(HintPattern).optional(),
});
export type CatalogHints = z.infer<typeof CatalogHints>;

export const CatalogModel = z.strictObject({
  /** Stable id, lower-case with dashes: 'contec-cms8000'. A user file reusing an id replaces the entry. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  vendor: z.string().min(1),
  /** Shown as the device's model: 'Contec CMS8000'. */
  name: z.string().min(1),
  class: DeviceClass,
  /** The id of the model this one is a relabel of (same hardware and firmware, other brand). */
  relabelOf: z.string().optional(),
  hints: CatalogHints,
  advisories: z.array(Advisory.strict()).default([]),
  /** Where the hints and advisories come from (URLs or short citations). */
  sources: z.array(z.string()).optional(),
  note: z.string().optional(),
});
export type CatalogModel = z.infer<typeof CatalogModel>;

export const CatalogFile = z.strictObject({
  version: z.literal(1),
  models: z.array(CatalogModel),
});
export type CatalogFile = z.infer<typeof CatalogFile>;

/** The merged catalog a run uses: the shipped file plus the user's (config/catalog.ts loads it). */
export interface Catalog {
  readonly models: readonly CatalogModel[];
  /** The files it was built from, shipped first. */
  readonly files: readonly string[];
}
