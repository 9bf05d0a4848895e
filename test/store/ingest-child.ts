// Child for the kill -9 test: ingests batches forever, batch i = 2,000 flow-end events in flow
// bucket i (600 distinct rows), and prints "committed i" once batch i is committed.
import { Zones } from '../../src/net/zones.js';
import type { WardEvent } from '../../src/events.js';
import { Ingestor } from '../../src/store/ingest.js';
import { openStore } from '../../src/store/open.js';

const store = await openStore(process.argv[2] as string);
const ingest = new Ingestor(store, { zones: new Zones(), flushMs: 0, bucketSeconds: 60 });
for (let i = 0; ; i++) {
  for (let k = 0; k < 2000; k++) {
    const ev: WardEvent = {
      type: 'flow-end',
      ts: (i * 60 + 1) * 1e6,
      first: (i * 60 + 1) * 1e6,
      last: (i * 60 + 2) * 1e6,
      flowId: k,
      src: { ip: `10.0.0.${k % 200}`, mac: `02:00:00:00:00:${(k % 200).toString(16).padStart(2, '0')}`, port: 40000 },
      dst: { ip: '203.0.113.9', port: 443 + (k % 3) },
      proto: 'tcp',
      packets: [1, 1],
      bytes: [100, 100],
      reason: 'fin',
    };
    ingest.onEvent(ev);
  }
  await ingest.flush();
  process.stdout.write(`committed ${i}\n`);
}
