// The breach report (issue 7, `wardwatch report --format json`): what a privacy officer needs
// per outside destination. Counts and field names only — never a patient identifier, nor even
// its salted hash.
import { z } from 'zod';

/** HHS breach notification: 500 or more individuals triggers media and immediate HHS notice. */
export const NOTIFY_THRESHOLD = 500;

export const BreachDestination = z.object({
  ip: z.string(),
  port: z.number().int(),
  protocol: z.string(), // 'hl7/mllp'
  patients: z.number().int().nonnegative(), // distinct across all devices
  messages: z.number().int().nonnegative(),
  first: z.string(),
  last: z.string(),
  fields: z.array(z.string()),
  devices: z.array(z.string()),
  notify: z.boolean(),
  /** Messages per minute: [ISO minute, count], ascending. For the report's timeline. */
  timeline: z.array(z.tuple([z.string(), z.number().int().nonnegative()])),
});
export type BreachDestination = z.infer<typeof BreachDestination>;

export const BreachReport = z.object({
  destinations: z.array(BreachDestination),
  totals: z.object({
    patients: z.number().int().nonnegative(), // distinct across all destinations
    messages: z.number().int().nonnegative(),
    destinations: z.number().int().nonnegative(),
    notify: z.boolean(),
  }),
  threshold: z.number().int(),
});
export type BreachReport = z.infer<typeof BreachReport>;
