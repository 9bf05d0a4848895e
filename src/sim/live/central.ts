// Live central station: an MLLP server that ACKs every message and logs one line per message
// (bed, type and vitals — never a patient's name or identifier).
import { createServer, type Server, type Socket } from 'node:net';
import { CentralLogic } from '../devices/central.js';
import { concat } from '../../decode/bytes.js';
import { mllp, unframe } from '../../decode/hl7/messages.js';

export interface CentralServer {
  readonly host: string;
  readonly port: number;
  readonly logic: CentralLogic;
  close(): Promise<void>;
}

export interface CentralServerOptions {
  readonly host: string;
  readonly port: number;
  readonly app?: string;
  readonly log?: (line: string) => void;
}

export function startCentral(opts: CentralServerOptions): Promise<CentralServer> {
  const logic = new CentralLogic(opts.app ?? 'CENTRAL', 'WARD');
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    let pending: Uint8Array = new Uint8Array(0);
    const peer = `${sock.remoteAddress}:${sock.remotePort}`;
    sock.on('data', (chunk: Buffer) => {
      const { messages, rest } = unframe(concat(pending, new Uint8Array(chunk)));
      pending = rest.slice();
      for (const m of messages) {
        const r = logic.receive(m, Date.now() * 1000);
        sock.write(mllp(r.ack));
        const type = (m.split('|')[8] ?? '').split('^').slice(0, 2).join('^');
        const v = r.bed ? logic.beds.get(r.bed)?.vitals : undefined;
        const vitals = v
          ? Object.entries(v)
              .map(([k, x]) => `${k}=${x}`)
              .join(' ')
          : '';
        opts.log?.(
          `${new Date().toISOString()} ${peer} ${type} bed=${r.bed ?? '-'} ${vitals} -> ${r.code}`.replace(/\s+/g, ' '),
        );
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => sockets.delete(sock));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      const a = server.address();
      const port = typeof a === 'object' && a ? a.port : opts.port;
      resolve({
        host: opts.host,
        port,
        logic,
        close: () =>
          new Promise<void>((res) => {
            for (const s of sockets) s.destroy();
            server.close(() => res());
          }),
      });
    });
  });
}
