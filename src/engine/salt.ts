// The per-installation salt for patient-identifier hashes. Stored once, mode 0600, never
// printed or exported. Hashes from two installations cannot be joined, which is the point.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { WardwatchError } from '../errors.js';

/** `$WARDWATCH_HOME/salt`, else `~/.config/wardwatch/salt`. */
export function defaultSaltPath(): string {
  const home = process.env.WARDWATCH_HOME ?? join(homedir(), '.config', 'wardwatch');
  return join(home, 'salt');
}

/** Read the salt, creating it (32 random bytes, hex) when missing. */
export function loadOrCreateSalt(path = defaultSaltPath()): string {
  try {
    if (existsSync(path)) {
      const s = readFileSync(path, 'utf8').trim();
      if (!/^[0-9a-f]{32,128}$/i.test(s)) {
        throw new WardwatchError(
          'WW_CONFIG',
          `salt file ${path} is not 32–128 hex characters; remove it to regenerate`,
        );
      }
      return s;
    }
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const s = randomBytes(32).toString('hex');
    writeFileSync(path, `${s}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    return s;
  } catch (err) {
    if (err instanceof WardwatchError) throw err;
    throw new WardwatchError('WW_CONFIG', `cannot read or create the salt file ${path}: ${(err as Error).message}`);
  }
}

/** HMAC-SHA256(salt, id), first 128 bits as hex: short, unlinkable without the salt. */
export function patientHasher(salt: string): (id: string) => string {
  const key = Buffer.from(salt, 'hex');
  const cache = new Map<string, string>();
  return (id: string) => {
    let h = cache.get(id);
    if (h === undefined) {
      h = createHmac('sha256', key).update(id, 'utf8').digest('hex').slice(0, 32);
      if (cache.size > 50_000) cache.clear();
      cache.set(id, h);
    }
    return h;
  };
}

/**
 * A non-secret id of a salt, printed in breach reports so two reports can be told to count with
 * the same salt or not: SHA-256 over a fixed label and the salt, first 64 bits as hex. One-way,
 * and a different construction from the patient hashes (HMAC keyed by the salt), so it says nothing
 * about any of them.
 */
export function saltId(salt: string): string {
  return createHash('sha256')
    .update('wardwatch salt id\0', 'utf8')
    .update(salt.toLowerCase(), 'utf8')
    .digest('hex')
    .slice(0, 16);
}
