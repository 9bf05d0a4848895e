// What every route plugin gets: the store, the live hub, and the server's settings.
import type { Store } from '../store/store.js';
import type { LiveHub } from './live/hub.js';
import type { PolicyConsoleOptions } from './routes/policy-engine.js';

export interface ServerOptions {
  /** Session lifetime (default 12 h). */
  readonly sessionTtlMs?: number;
  /** Secure cookies (set when serving TLS). */
  readonly secureCookies?: boolean;
  /** Login attempts per IP per minute (default 10). */
  readonly loginPerMinute?: number;
  /** Body size limit for JSON requests, bytes (default 64 KiB; sensor ingest allows 8 MiB). */
  readonly bodyLimit?: number;
  /** The built web app (default ./web/dist); served when it exists. */
  readonly webDist?: string;
  readonly demo?: boolean;
  readonly version?: string;
  /** Fastify's logger (default off). */
  readonly logger?: boolean;
  /** Where policy applies go: a lab namespace, or (default) dry-run only. */
  readonly policy?: PolicyConsoleOptions;
  /** Sensor ingest (issue 20): limits and back-pressure. */
  readonly ingest?: IngestOptions;
  /** The installation salt handed to sensors at enrol (default: the salt file, src/engine/salt.ts). */
  readonly salt?: string;
  /** Where that salt file is (the config's saltFile; default src/engine/salt.ts defaultSaltPath). */
  readonly saltFile?: string;
}

export interface IngestOptions {
  /** Body limit of POST /api/ingest, bytes (default 8 MiB); larger is 413. */
  readonly maxBatchBytes?: number;
  /** Batches applied at once before 429 (default 4). */
  readonly maxInFlight?: number;
  /** A batch that takes this long (ms) or longer makes the store "slow": 429 for Retry-After seconds (default 2000). */
  readonly slowMs?: number;
  /** Retry-After, seconds (default 1). */
  readonly retryAfterSeconds?: number;
}

export interface Ctx {
  readonly store: Store;
  readonly hub: LiveHub;
  readonly opts: ServerOptions;
  readonly started: number;
}

/** The error shapes each route can answer, for its schema (and /api/docs). */
export const INGEST_BODY_LIMIT = 8 * 1024 * 1024;
