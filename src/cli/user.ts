// `wardwatch user add NAME --role R`: a console user with a generated password, printed once.
// `wardwatch token create --sensor NAME | revoke ID`: API tokens for sensors, printed once.
import type { Command } from 'commander';
import { Option } from 'commander';
import { ROLES, type Role, SensorName, TOKEN_SCOPES, type TokenScope } from '../contract/api.js';
import { WardwatchError } from '../errors.js';
import type { Register } from './commands.js';
import { exampleText } from './examples.js';
import { DEFAULT_DB } from './serve.js';

/** The store and the user/token code load only when a user or token command runs. */
const openStore = async (db: string) => (await import('../store/open.js')).openStore(db);
const users = () => import('../server/auth/users.js');

const dbOption = () => new Option('--db <file|url>', 'SQLite file or postgres:// URL').default(DEFAULT_DB);

export const register: Register = (program: Command) => {
  const user = program
    .command('user')
    .description('console users (roles viewer, analyst, admin)')
    .addHelpText('after', exampleText(['wardwatch user add alice --role analyst']));
  user
    .command('add')
    .description('add a user; prints a generated password once')
    .argument('<name>', 'user name')
    .addOption(new Option('--role <role>', 'role').choices([...ROLES]).makeOptionMandatory())
    .addOption(dbOption())
    .addHelpText(
      'after',
      exampleText([
        'wardwatch user add alice --role analyst',
        'wardwatch user add bob --role admin --db postgres://wardwatch@db.example/wardwatch',
      ]),
    )
    .action(async (name: string, opts: { role: Role; db: string }) => {
      const store = await openStore(opts.db);
      try {
        const password = await (await users()).addUser(store, name, opts.role);
        process.stdout.write(`user ${name} (${opts.role}) added\npassword: ${password}\n`);
      } finally {
        await store.close();
      }
    });

  const token = program
    .command('token')
    .description('API tokens for sensors (hashed at rest)')
    .addHelpText('after', exampleText(['wardwatch token create --sensor ward-3', 'wardwatch token revoke 7c1e2a']));
  token
    .command('create')
    .description('create a token; prints it once')
    .requiredOption('--sensor <name>', 'the sensor this token is for')
    .addOption(new Option('--scope <scope>', 'what it may do').choices([...TOKEN_SCOPES]).default('ingest'))
    .addOption(dbOption())
    .addHelpText(
      'after',
      exampleText(['wardwatch token create --sensor ward-3', 'wardwatch token create --sensor soc --scope read']),
    )
    .action(async (opts: { sensor: string; scope: TokenScope; db: string }) => {
      if (!SensorName.safeParse(opts.sensor).success)
        throw new WardwatchError(
          'WW_ARGS',
          `--sensor: '${opts.sensor}' is not a sensor name (letters, digits, '.', '_', '-'; at most 64)`,
        );
      const store = await openStore(opts.db);
      try {
        await store.sensors.ensure(opts.sensor);
        const t = await (await users()).createToken(store, opts.sensor, opts.scope);
        process.stdout.write(`token ${t.id} for ${opts.sensor} (${opts.scope})\n${t.token}\n`);
      } finally {
        await store.close();
      }
    });
  token
    .command('list')
    .description('list tokens: id, sensor, scope, created, last used, revoked (never the secret)')
    .addOption(dbOption())
    .addHelpText(
      'after',
      exampleText(['wardwatch token list', 'wardwatch token list --db postgres://wardwatch@db.example/wardwatch']),
    )
    .action(async (opts: { db: string }) => {
      const store = await openStore(opts.db);
      try {
        const rows = await store.db.selectFrom('api_tokens').selectAll().orderBy('created_at').execute();
        process.stdout.write('id\tsensor\tscope\tcreated\tlast used\trevoked\n');
        for (const t of rows)
          process.stdout.write(
            `${t.id}\t${t.name}\t${t.scope}\t${t.created_at}\t${t.last_used_at ?? '-'}\t${t.revoked_at ?? '-'}\n`,
          );
      } finally {
        await store.close();
      }
    });
  token
    .command('revoke')
    .description('revoke a token by id')
    .argument('<id>', 'token id')
    .addOption(dbOption())
    .addHelpText('after', exampleText(['wardwatch token revoke 7c1e2a']))
    .action(async (id: string, opts: { db: string }) => {
      const store = await openStore(opts.db);
      try {
        if (!(await store.auth.revokeToken(id))) throw new WardwatchError('WW_ARGS', `no active token '${id}'`);
        await store.auth.audit('cli', 'token.revoke', id);
        process.stdout.write(`token ${id} revoked\n`);
      } finally {
        await store.close();
      }
    });
};
