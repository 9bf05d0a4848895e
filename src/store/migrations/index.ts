// The versioned migrations, in order (kysely's Migrator sorts by name). Never edit a released
// migration: add the next one.
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { DB, Engine } from '../schema.js';
import { initial } from './001-initial.js';
import { tokenUse } from './002-token-use.js';
import { policies } from './003-policies.js';
import { sensors } from './004-sensors.js';
import { dnsSensor } from './005-dns-sensor.js';
import { exposureVia } from './006-exposure-via.js';
import { proxyRequests } from './007-proxy-requests.js';
import { deviceTls } from './008-device-tls.js';
import { sensorCapture } from './009-sensor-capture.js';

export const MIGRATION_NAMES = [
  '001-initial',
  '002-token-use',
  '003-policies',
  '004-sensors',
  '005-dns-sensor',
  '006-exposure-via',
  '007-proxy-requests',
  '008-device-tls',
  '009-sensor-capture',
] as const;
export type MigrationName = (typeof MIGRATION_NAMES)[number];

export function migrationProvider(engine: Engine): MigrationProvider {
  const all: Record<MigrationName, Migration> = {
    '001-initial': initial(engine),
    '002-token-use': tokenUse,
    '003-policies': policies,
    '004-sensors': sensors,
    '005-dns-sensor': dnsSensor(engine),
    '006-exposure-via': exposureVia,
    '007-proxy-requests': proxyRequests(engine),
    '008-device-tls': deviceTls,
    '009-sensor-capture': sensorCapture,
  };
  return { getMigrations: async () => all };
}

export function migratorFor(db: Kysely<DB>, engine: Engine, schema?: string): Migrator {
  return new Migrator({
    db,
    provider: migrationProvider(engine),
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
  });
}
