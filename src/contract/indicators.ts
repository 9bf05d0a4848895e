// Indicator lists (DESIGN.md "Device catalog and indicators"): addresses, networks or domains
// with provenance. Shipped in data/indicators.yaml; users add plain-text or CSV lists and
// inline entries in the config file.
import { z } from 'zod';

/** One entry as written in YAML (shipped list, config `indicators:`): exactly one of address/cidr/domain. */
export const IndicatorEntry = z
  .object({
    address: z.string().min(1).optional(),
    cidr: z.string().min(1).optional(),
    domain: z.string().min(1).optional(),
    note: z.string().min(1),
    source: z.string().min(1),
    url: z.string().optional(),
  })
  .strict()
  .refine((e) => [e.address, e.cidr, e.domain].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of address, cidr or domain',
  });
export type IndicatorEntry = z.infer<typeof IndicatorEntry>;

export const IndicatorFile = z
  .object({
    version: z.literal(1),
    indicators: z.array(IndicatorEntry),
  })
  .strict();
export type IndicatorFile = z.infer<typeof IndicatorFile>;

/** The normalised form every loader produces and the detector consumes. */
export const Indicator = z.object({
  kind: z.enum(['address', 'cidr', 'domain']),
  value: z.string(),
  note: z.string(),
  source: z.string(),
  url: z.string().optional(),
  /** Where it came from: 'shipped', a file path with line, or 'config'. */
  origin: z.string(),
});
export type Indicator = z.infer<typeof Indicator>;
