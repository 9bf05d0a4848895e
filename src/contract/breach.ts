// The breach report (issue 7, `wardwatch report --format json`): what a privacy officer needs
// per outside destination. Counts and field names only — never a patient identifier, nor even
// its salted hash.
import { z } from 'zod';

/** HHS breach notification: 500 or more individuals triggers media and immediate HHS notice. */
export const NOTIFY_THRESHOLD = 500;

/** Proxies a destination lists (per ledger entry, per store batch, per report row). */
export const MAX_BREACH_PROXIES = 16;

/**
 * Distinct patient hashes one analysis keeps (over all its device–destination pairs): ~70 bytes
 * each, 14 MB at the bound. Past it a new patient is not counted and the report says its counts
 * are lower bounds (`capped`) — far past the 500 that make a breach notifiable.
 */
export const MAX_PATIENT_HASHES = 200_000;

/**
 * A count that may be a lower bound. `capped` says a patient came that was not counted, so there
 * were more than `n`: "at least 200001" — and "at least 1" for a destination whose patients all
 * came after the bound (it read "at least 0").
 */
export function patientCount(n: number, capped: boolean | undefined): string {
  return capped === true ? `at least ${n + 1}` : String(n);
}

/**
 * The "500 or more" cell of a destination whose `notify` is false: `notify` is decided on the
 * patients counted, so a capped destination below the threshold may still have reached it.
 */
export function belowThresholdWords(capped: boolean | undefined): 'no' | 'unknown (count capped)' {
  return capped === true ? 'unknown (count capped)' : 'no';
}

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
  /** Patients counted ≥ the threshold; with `capped`, false says only that the counted ones are fewer. */
  notify: z.boolean(),
  /** Messages per minute: [ISO minute, count], ascending. For the report's timeline. */
  timeline: z.array(z.tuple([z.string(), z.number().int().nonnegative()])),
  /** The destination is a published indicator address (e.g. ICSMA-25-030-01's 202.114.4.120). */
  indicator: z.object({ source: z.string(), note: z.string() }).optional(),
  /**
   * The proxies (`ip:port`, `[v6]:port`; sorted, at most MAX_BREACH_PROXIES) through whose tunnels
   * records reached this destination (an HTTP or SOCKS CONNECT to its address); empty when none.
   * Defaults keep reports made before the field readable.
   */
  proxies: z.array(z.string()).default([]),
  /** Some records went to the destination directly (not through a proxy). */
  direct: z.boolean().default(true),
  /**
   * More distinct patients were seen than the analysis keeps (MAX_PATIENT_HASHES, a memory bound):
   * `patients` is a lower bound. Absent when the count is exact.
   */
  capped: z.literal(true).optional(),
});
export type BreachDestination = z.infer<typeof BreachDestination>;

/** A device the data came from, as a person finds it on the ward: model and address, not only MAC. */
export const BreachDevice = z.object({
  id: z.string(), // MAC, or 'ip:<addr>'
  model: z.string().optional(),
  class: z.string().optional(),
  hostname: z.string().optional(),
  ips: z.array(z.string()),
});
export type BreachDevice = z.infer<typeof BreachDevice>;

/**
 * How the report was made: when, by which wardwatch, from which captures (SHA-256 of each file), and
 * which salt counted the patients — as a salt id, a one-way digest that tells two salts apart and
 * reveals nothing of the salt (src/engine/salt.ts).
 */
export const BreachGeneration = z.object({
  time: z.string(),
  version: z.string(),
  captures: z.array(z.object({ name: z.string(), sha256: z.string(), bytes: z.number().int().nonnegative() })),
  saltId: z.string(),
});
export type BreachGeneration = z.infer<typeof BreachGeneration>;

/** HL7 identifying fields in plain words (HL7 v2.5 chapter 3; what segments.ts reports by name). */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  'PID-2': 'patient ID (external)',
  'PID-3': 'patient identifier / MRN',
  'PID-4': 'alternate patient ID',
  'PID-5': 'patient name',
  'PID-6': "mother's maiden name",
  'PID-7': 'birth date',
  'PID-8': 'sex',
  'PID-9': 'patient alias',
  'PID-11': 'address',
  'PID-12': 'county',
  'PID-13': 'home phone',
  'PID-14': 'business phone',
  'PID-18': 'account number',
  'PID-19': 'social security number',
  'PID-20': "driver's licence",
  'PID-21': "mother's identifier",
  'PID-23': 'birth place',
  'PID-29': 'death date',
  'NK1-2': 'next of kin name',
  'NK1-4': 'next of kin address',
  'NK1-5': 'next of kin phone',
  'MRG-1': 'prior patient identifier',
  'GT1-3': 'guarantor name',
  'IN1-16': "insured's name",
  'PV1-3': 'bed / location',
};

/** "patient name (PID-5)"; a field we have no words for stays as its HL7 name. */
export function fieldLabel(field: string): string {
  const l = FIELD_LABELS[field];
  return l === undefined ? field : `${l} (${field})`;
}

/** The notes every format carries (md, html, json): how to read the numbers. */
export const BREACH_NOTES: readonly string[] = [
  'Patients are counted by a salted hash of the patient identifier (PID-3); no identifier, name or birth date is in this report.',
  'A patient sent to two destinations counts once in the total and once per destination.',
  'Data exposed lists the HL7 fields present in the messages, not their values.',
  'A destination marked as an indicator is a published attacker or backdoor address: treat it as a breach whatever the count.',
];

export const BreachReport = z.object({
  destinations: z.array(BreachDestination),
  totals: z.object({
    patients: z.number().int().nonnegative(), // distinct across all destinations
    messages: z.number().int().nonnegative(),
    destinations: z.number().int().nonnegative(),
    notify: z.boolean(),
    /** As a destination's `capped`: `patients` is a lower bound. */
    capped: z.literal(true).optional(),
  }),
  threshold: z.number().int(),
  /** The devices named in `destinations[].devices`, by id (absent in reports made before it existed). */
  devices: z.array(BreachDevice).optional(),
  generation: BreachGeneration.optional(),
  notes: z.array(z.string()).optional(),
});
export type BreachReport = z.infer<typeof BreachReport>;
