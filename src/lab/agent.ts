// The process the lab starts inside a namespace (`ip netns exec ww-… node agent.js`): one live
// simulator role, described by the JSON in WW_LAB_AGENT. Deliberately independent of the CLI,
// so the lab only needs src/sim. Runs until SIGTERM (servers) or until done (monitor).
import { startCentral } from '../sim/live/central.js';
import { runLiveMonitor } from '../sim/live/monitor.js';
import { startRpcResponder } from '../sim/live/rpc-server.js';
import { WardwatchError } from '../errors.js';

export type AgentRole =
  | { role: 'central'; host: string; port: number }
  | { role: 'rpc'; host: string }
  | {
      role: 'monitor';
      to: string;
      port: number;
      bind: string;
      app: string;
      bed: string;
      count: number;
      intervalMs: number;
      seed: number;
      copyTo?: { host: string; port: number };
      nfsFrom?: string;
    };

const out = (line: string) => process.stdout.write(`${line}\n`);

function waitForStop(close: () => Promise<void>): void {
  const stop = (): void => {
    void close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.WW_LAB_AGENT ?? '{}') as AgentRole;
  if (spec.role === 'central') {
    const c = await startCentral({ host: spec.host, port: spec.port, log: out });
    out(`ready central ${spec.host}:${c.port}`);
    waitForStop(c.close);
  } else if (spec.role === 'rpc') {
    const r = startRpcResponder(spec.host);
    out(`ready rpc ${spec.host}`);
    waitForStop(r.close);
  } else if (spec.role === 'monitor') {
    const res = await runLiveMonitor({
      to: { host: spec.to, port: spec.port },
      copyTo: spec.copyTo,
      nfsFrom: spec.nfsFrom,
      localAddress: spec.bind,
      app: spec.app,
      bed: spec.bed,
      count: spec.count,
      intervalMs: spec.intervalMs,
      seed: spec.seed,
      log: out,
    });
    out(`result ${JSON.stringify(res)}`);
  } else {
    throw new WardwatchError('WW_LAB', `WW_LAB_AGENT: unknown role '${process.env.WW_LAB_AGENT}'`, {
      field: 'WW_LAB_AGENT',
    });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`agent: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
