// `wardwatch serve`: the console (API + web app) over the store. `--demo` feeds the simulated
// cms8000 ward through the real pipeline in process and prints a generated admin password once.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { WardwatchError } from '../errors.js';
import type { DemoRunner } from '../server/live/demo.js';
import type { Register } from './commands.js';
import { exampleText } from './examples.js';

/** The console's default database (`--db`); the same as store/open.ts's. */
export const DEFAULT_DB = './data/wardwatch.db';

interface ServeOptions {
  db: string;
  port: string;
  host: string;
  demo?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  web?: string;
  config?: string;
  retainDays: string;
  policyNetns?: string;
  policyState?: string;
}

export const register: Register = (program: Command) => {
  program
    .command('serve')
    .description('the console: web app and API over the store (--demo: a simulated CMS8000 ward, live)')
    .option('--db <file|url>', 'SQLite file or postgres:// URL', DEFAULT_DB)
    .option('--port <n>', 'port to listen on (0: any free port)', '8080')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--demo', 'feed the simulated cms8000 ward through the pipeline, continuously')
    .option('--tls-cert <file>', 'TLS certificate (PEM); serve HTTPS, cookies become Secure')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--web <dir>', 'the built web app', 'web/dist')
    .option('-c, --config <file>', 'config file (YAML): site ranges, salt file, …')
    .option('--retain-days <n>', 'keep flow history this many days', '30')
    .option(
      '--policy-netns <name>',
      'apply policies from the console to this network namespace (default: dry-run only)',
    )
    .option(
      '--policy-state <dir>',
      'where the ruleset from before the first console apply is kept',
      './data/policy-state',
    )
    .addHelpText(
      'after',
      exampleText([
        'wardwatch serve --demo',
        'wardwatch serve --db postgres://wardwatch@db.example/wardwatch --host 0.0.0.0 --tls-cert cert.pem --tls-key key.pem',
      ]),
    )
    .action(async (opts: ServeOptions) => serve(opts));
};

async function serve(opts: ServeOptions): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new WardwatchError('WW_ARGS', `bad --port '${opts.port}'`);
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined))
    throw new WardwatchError('WW_ARGS', 'give both --tls-cert and --tls-key, or neither');
  const retainDays = Number(opts.retainDays);
  if (!(retainDays > 0)) throw new WardwatchError('WW_ARGS', `bad --retain-days '${opts.retainDays}'`);
  const https =
    opts.tlsCert !== undefined ? { cert: readPem(opts.tlsCert), key: readPem(opts.tlsKey as string) } : undefined;
  const config = loadConfig(opts.config);
  // The server, the store and their npm packages load only for this command: every other
  // command (analyze on a 2 M-packet capture under a capped heap) starts without them.
  const [{ buildApp }, { addUser, resetPassword }, { LiveHub }, { DemoRunner }, { openStore }] = await Promise.all([
    import('../server/app.js'),
    import('../server/auth/users.js'),
    import('../server/live/hub.js'),
    import('../server/live/demo.js'),
    import('../store/open.js'),
  ]);
  const store = await openStore(opts.db);
  const hub = new LiveHub();
  if (opts.policyNetns !== undefined && !/^[\w.-]+$/.test(opts.policyNetns))
    throw new WardwatchError('WW_ARGS', `--policy-netns: not a namespace name: '${opts.policyNetns}'`);
  const policy =
    opts.policyNetns !== undefined
      ? { netns: opts.policyNetns, stateDir: opts.policyState ?? './data/policy-state' }
      : {};
  const { app } = await buildApp({
    store,
    hub,
    https,
    webDist: opts.web,
    demo: opts.demo === true,
    version: '0.1.0',
    policy: { ...policy, site: config.zones },
    ...(config.saltFile !== undefined ? { saltFile: config.saltFile } : {}),
  });
  let demo: DemoRunner | undefined;
  let password: string | undefined;
  if (opts.demo === true) {
    password = (await store.auth.user('admin'))
      ? await resetPassword(store, 'admin', 'demo')
      : await addUser(store, 'admin', 'admin', 'demo');
    demo = new DemoRunner(store, hub, {
      config,
      onError: (err) => process.stderr.write(`wardwatch: demo: ${(err as Error).message}\n`),
    });
    await demo.start();
  }
  const retention = setInterval(
    () => void store.retainFlows(Math.floor(Date.now() / 1000 - retainDays * 86400)).catch(() => undefined),
    3600_000,
  );
  retention.unref();
  await app.listen({ port, host: opts.host });
  const addr = app.server.address();
  const actual = typeof addr === 'object' && addr !== null ? addr.port : port;
  const host = opts.host === '127.0.0.1' || opts.host === '0.0.0.0' || opts.host === '::' ? 'localhost' : opts.host;
  process.stdout.write(`wardwatch console: ${https ? 'https' : 'http'}://${host}:${actual}/  (db: ${store.engine})\n`);
  if (password !== undefined) process.stdout.write(`login: admin  password: ${password}\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.stdout.write('wardwatch: stopping\n');
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  clearInterval(retention);
  await demo?.stop();
  await app.close();
  await store.close();
}

function readPem(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new WardwatchError('WW_ARGS', `cannot read ${file}: ${(err as Error).message}`);
  }
}
