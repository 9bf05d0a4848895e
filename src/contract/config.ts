// The config file (YAML), validated strictly: an unknown key is an error, so a typo in a
// suppression or a rule id is caught instead of silently ignored. Address syntax (CIDRs,
// IPs) is checked by the loader (src/detect/config.ts), which reports the YAML line.
import { z } from 'zod';
import { IndicatorEntry } from './indicators.js';
import { Severity } from './records.js';

/** Stable rule ids (DESIGN.md "Alert rules"); never rename. */
export const RULE_IDS = [
  'egress.ioc',
  'egress.no-dns',
  'phi.cleartext',
  'rpc.outbound-nfs',
  'device.vulnerable',
  'service.insecure',
  'policy.violation',
  'egress.beacon',
  'device.new',
  'device.tls-change',
  'inbound.outside',
  'dns.bypass',
] as const;
export const RuleId = z.enum(RULE_IDS);
export type RuleId = z.infer<typeof RuleId>;

export const DEFAULT_SEVERITY: Readonly<Record<RuleId, Severity>> = {
  'egress.ioc': 'critical',
  'egress.no-dns': 'high',
  'phi.cleartext': 'critical',
  'rpc.outbound-nfs': 'high',
  'device.vulnerable': 'high',
  'service.insecure': 'medium',
  'policy.violation': 'high',
  'egress.beacon': 'medium',
  'device.new': 'info',
  'device.tls-change': 'low',
  'inbound.outside': 'high',
  'dns.bypass': 'medium',
};

const IsoDate = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'expected an ISO date (2025-06-30) or date-time (2025-06-30T12:00:00Z)',
});

export const Hl7ReceiverEntry = z
  .object({
    /** A device MAC or IP. */
    device: z.string().min(1).optional(),
    /** A device class (src/contract/records.ts DEVICE_CLASSES) or catalog model name. */
    class: z.string().min(1).optional(),
    receivers: z.array(z.string().min(1)).min(1),
  })
  .strict()
  .refine((e) => e.device !== undefined || e.class !== undefined, { message: 'give device or class' });

export const AllowEntry = z
  .object({
    address: z.string().min(1).optional(),
    cidr: z.string().min(1).optional(),
    domain: z.string().min(1).optional(),
    note: z.string().min(1),
  })
  .strict()
  .refine((e) => [e.address, e.cidr, e.domain].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of address, cidr or domain',
  });
export type AllowEntry = z.infer<typeof AllowEntry>;

export const Suppression = z
  .object({
    rule: RuleId,
    /** Device MAC or IP. */
    device: z.string().min(1).optional(),
    /** Peer address, CIDR or domain. */
    peer: z.string().min(1).optional(),
    reason: z.string().min(1, 'a suppression needs a reason'),
    expires: IsoDate,
  })
  .strict();
export type Suppression = z.infer<typeof Suppression>;

export const RuleSettings = z
  .object({
    severity: Severity.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

export const ConfigFile = z
  .object({
    site: z.array(z.string().min(1)).default([]),
    /** When true, `site` replaces the default zones instead of adding to them. */
    siteReplaceDefaults: z.boolean().default(false),
    hl7Receivers: z.array(Hl7ReceiverEntry).default([]),
    allowlist: z.array(AllowEntry).default([]),
    /** Plain text (one address/CIDR/domain a line) or CSV (address,note,source); relative to the config file. */
    indicatorFiles: z.array(z.string().min(1)).default([]),
    indicators: z.array(IndicatorEntry).default([]),
    /** Leave out the shipped ICSMA indicators (tests, or a site that vendors its own list). */
    shippedIndicators: z.boolean().default(true),
    /** Per-installation salt for patient-identifier hashes; relative to the config file. */
    saltFile: z.string().min(1).optional(),
    /** Extra device catalog files (inventory); relative to the config file. */
    catalogFiles: z.array(z.string().min(1)).default([]),
    rules: z.partialRecord(RuleId, RuleSettings).default({}),
    suppressions: z.array(Suppression).default([]),
    /** Devices first seen after this time raise `device.new`. */
    learningUntil: IsoDate.optional(),
    dns: z
      .object({
        /** Seconds an answer stays valid beyond its TTL (caches, clock skew). */
        graceSeconds: z.number().nonnegative().default(300),
        /**
         * A flow this soon after the capture began may follow a lookup made before it: egress.no-dns
         * grades it `low` (uncertain) unless the device's DHCP lease — its boot — is in the capture.
         */
        warmupSeconds: z.number().nonnegative().default(300),
      })
      .strict()
      .default({ graceSeconds: 300, warmupSeconds: 300 }),
    beacon: z
      .object({
        minCount: z.number().int().min(3).default(6),
        /** Coefficient of variation of the intervals below which connections count as regular. */
        maxJitter: z.number().positive().max(1).default(0.2),
        /** Shorter mean intervals are bursts (parallel fetches), not beacons. */
        minIntervalSeconds: z.number().nonnegative().default(5),
      })
      .strict()
      .default({ minCount: 6, maxJitter: 0.2, minIntervalSeconds: 5 }),
  })
  .strict();
export type ConfigFile = z.infer<typeof ConfigFile>;

/** The loaded config: file paths resolved against the config file's folder. */
export type WardConfig = ConfigFile & {
  /** The config file, when one was given. */
  readonly file?: string;
  /** `site` plus the default zones unless `siteReplaceDefaults`. */
  readonly zones: readonly string[];
};
