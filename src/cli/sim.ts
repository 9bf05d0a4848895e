// `wardwatch sim <scenario>`: a scenario to a capture file (ward, cms8000, mixed), or a live
// device over real sockets (central, monitor, rpc-server). Thin: parse, call src/sim, print.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { WardwatchError } from '../errors.js';
import { parseHostPort, refuseIndicator } from '../sim/live/guard.js';
import { startCentral } from '../sim/live/central.js';
import { runLiveMonitor } from '../sim/live/monitor.js';
import { startRpcResponder } from '../sim/live/rpc-server.js';
import { SCENARIOS, type ScenarioName, writeScenario } from '../sim/scenarios.js';
import type { Register } from './commands.js';
import { exampleText } from './examples.js';

const LIVE = ['central', 'monitor', 'rpc-server'] as const;

/** '60s', '2m', '1h', '500ms' or a bare number of seconds → seconds. */
export function parseDuration(text: string, what = '--duration'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new WardwatchError('WW_ARGS', `${what}: expected a duration like 60s, 5m, 1h or 500ms, got '${text}'`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return unit === 'ms' ? n / 1000 : unit === 'm' ? n * 60 : unit === 'h' ? n * 3600 : n;
}

function int(text: string, what: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new WardwatchError('WW_ARGS', `${what}: expected an integer ≥ ${min}, got '${text}'`);
  return n;
}

interface SimCliOptions {
  out?: string;
  duration: string;
  seed: string;
  devices?: string;
  listen?: string;
  to?: string;
  copyTo?: string;
  nfsFrom?: string;
  count: string;
  interval: string;
  bed?: string;
  app?: string;
  bind?: string;
  live?: string;
}

/** Keep a server running until SIGINT/SIGTERM, then close it. */
function untilSignal(close: () => Promise<void>): Promise<void> {
  return new Promise((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function live(mode: (typeof LIVE)[number], o: SimCliOptions): Promise<void> {
  const err = (line: string) => process.stderr.write(`${line}\n`);
  if (mode === 'central') {
    const l = parseHostPort(o.listen ?? '127.0.0.1:2575', '--listen', 2575);
    const c = await startCentral({ host: l.host, port: l.port, log: (line) => process.stdout.write(`${line}\n`) });
    err(`central station listening on ${c.host}:${c.port} (MLLP); Ctrl-C to stop`);
    await untilSignal(c.close);
    err(`central station: ${c.logic.received} messages from ${c.logic.beds.size} beds`);
    return;
  }
  if (mode === 'rpc-server') {
    const host = o.listen ?? '127.0.0.1';
    await refuseIndicator(host, '--listen');
    const r = startRpcResponder(host);
    err(`rpc responder on ${host}: portmap 111/udp+tcp, mountd 20048/udp, nfs 2049/tcp; Ctrl-C to stop`);
    await untilSignal(r.close);
    return;
  }
  if (!o.to) throw new WardwatchError('WW_ARGS', 'sim monitor needs --to HOST:PORT (the central station)');
  const res = await runLiveMonitor({
    to: parseHostPort(o.to, '--to', 2575),
    copyTo: o.copyTo ? parseHostPort(o.copyTo, '--copy-to', 515) : undefined,
    nfsFrom: o.nfsFrom,
    count: int(o.count, '--count', 1),
    intervalMs: parseDuration(o.interval, '--interval') * 1000,
    seed: int(o.seed, '--seed', 0),
    bed: o.bed,
    app: o.app,
    localAddress: o.bind,
    log: err,
  });
  process.stdout.write(`${JSON.stringify(res)}\n`);
  if (res.acked < res.sent - res.retransmitted) process.exitCode = 1;
}

/** The ward's monitors of a scenario, live over sockets (DESIGN.md `sim <scenario> --live HOST:PORT`). */
const LIVE_BEDS: Record<'ward' | 'cms8000', readonly { bed: string; app?: string; backdoor?: boolean }[]> = {
  ward: [{ bed: 'BED1' }, { bed: 'BED2' }, { bed: 'BED3' }, { bed: 'BED4' }],
  cms8000: [
    { bed: 'BED1' },
    { bed: 'BED2' },
    { bed: 'BED3' },
    { bed: 'BED4' },
    { bed: 'BED5', app: 'CMS8000', backdoor: true },
    { bed: 'BED6', app: 'MN-120', backdoor: true },
  ],
};

async function liveScenario(scenario: ScenarioName, o: SimCliOptions): Promise<void> {
  if (scenario === 'mixed' || scenario === 'ward-infra')
    throw new WardwatchError('WW_ARGS', `--live runs ward or cms8000; ${scenario} is for files (--out)`);
  const to = parseHostPort(o.live!, '--live', 2575);
  await refuseIndicator(to.host, '--live');
  const copyTo = o.copyTo ? parseHostPort(o.copyTo, '--copy-to', 515) : undefined;
  const beds = LIVE_BEDS[scenario];
  if (scenario === 'cms8000' && copyTo === undefined) {
    process.stderr.write('sim cms8000 --live: no --copy-to given, so the backdoor monitors send no copies\n');
  }
  const count = int(o.count, '--count', 1);
  const intervalMs = parseDuration(o.interval, '--interval') * 1000;
  const seed = int(o.seed, '--seed', 0);
  const results = await Promise.all(
    beds.map((b, i) =>
      runLiveMonitor({
        to,
        copyTo: b.backdoor ? copyTo : undefined,
        count,
        intervalMs,
        seed: seed + i,
        bed: b.bed,
        app: b.app,
        log: (line) => process.stderr.write(`${b.bed}: ${line}\n`),
      }).then((r) => ({ bed: b.bed, app: b.app, ...r })),
    ),
  );
  for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
  if (results.some((r) => r.acked < r.sent - r.retransmitted)) process.exitCode = 1;
}

export const register: Register = (program: Command) => {
  program
    .command('sim')
    .description(
      `simulate a ward: ${SCENARIOS.join('|')} to a capture file, or live ${LIVE.join('|')} over real sockets`,
    )
    .argument('<scenario>', `${[...SCENARIOS, ...LIVE].join(', ')}`)
    .option('-o, --out <file>', 'capture to write (.pcap or .pcapng); default <scenario>.pcap')
    .option('-d, --duration <time>', 'simulated time (60s, 5m, 1h)', '60s')
    .option('--seed <n>', 'seed: the same seed gives the same bytes', '1')
    .option('--devices <n>', 'number of devices (mixed)')
    .option('--listen <host:port>', 'central: address to listen on (default 127.0.0.1:2575); rpc-server: host')
    .option('--to <host:port>', 'monitor: the central station')
    .option('--copy-to <host:port>', 'monitor: also copy every message here (the CMS8000 behaviour)')
    .option('--nfs-from <host>', 'monitor: portmap GETPORT + MOUNT + NFS GETATTR toward this host first')
    .option('--count <n>', 'monitor: messages to send (the admission ADT included)', '10')
    .option('--interval <time>', 'monitor: time between messages', '1s')
    .option('--bed <bed>', 'monitor: PV1-3 location')
    .option('--app <name>', 'monitor: MSH-3 sending application (e.g. CMS8000)')
    .option('--bind <addr>', 'monitor: local address to send from')
    .option(
      '--live <host:port>',
      "ward|cms8000: run the scenario's monitors live against this central station instead of writing a file",
    )
    .addHelpText(
      'after',
      exampleText([
        'wardwatch sim cms8000 -o cms8000.pcap',
        'wardwatch sim mixed --devices 40 --duration 1h --seed 7 -o mixed.pcapng',
        'wardwatch sim central --listen 127.0.0.1:2575',
        'wardwatch sim monitor --to 127.0.0.1:2575 --copy-to 127.0.0.1:2576 --count 5',
        'wardwatch sim cms8000 --live 127.0.0.1:2575 --copy-to 127.0.0.1:2576',
      ]),
    )
    .action(async (scenario: string, o: SimCliOptions) => {
      if ((LIVE as readonly string[]).includes(scenario)) return live(scenario as (typeof LIVE)[number], o);
      if (!(SCENARIOS as readonly string[]).includes(scenario)) {
        throw new WardwatchError(
          'WW_ARGS',
          `unknown scenario '${scenario}': one of ${[...SCENARIOS, ...LIVE].join(', ')}`,
        );
      }
      if (o.live !== undefined) return liveScenario(scenario as ScenarioName, o);
      const out = resolve(o.out ?? `${scenario}.pcap`);
      if (!/\.pcap(ng)?$/i.test(out)) throw new WardwatchError('WW_ARGS', `--out: ${out} must end in .pcap or .pcapng`);
      const durationSec = parseDuration(o.duration);
      const t0 = performance.now();
      const r = await writeScenario(scenario as ScenarioName, {
        out,
        durationSec,
        seed: int(o.seed, '--seed', 0),
        devices: o.devices === undefined ? undefined : int(o.devices, '--devices', 1),
      });
      const secs = (performance.now() - t0) / 1000;
      process.stderr.write(
        `sim ${scenario}: ${r.packets} packets, ${r.bytes} bytes, ${durationSec}s simulated → ${out} (${secs.toFixed(1)}s)\n`,
      );
    });
};
