// A simulated CMS8000 ward (60 s) through the real pipeline into a store, as the demo does it.
import { Zones } from '../../src/net/zones.js';
import { Pipeline } from '../../src/engine/analyze.js';
import { feedScenario } from '../../src/server/live/sim-feed.js';
import { SCENARIO_START_US } from '../../src/sim/scenarios.js';
import { Ingestor } from '../../src/store/ingest.js';
import type { Store } from '../../src/store/store.js';

export const TEST_SALT = 'ab'.repeat(32);

export async function ingestWard(store: Store, seconds = 60) {
  const ingest = new Ingestor(store, { zones: new Zones(), flushMs: 0, maxRows: 20 });
  const pipeline = new Pipeline({ salt: TEST_SALT, onEvent: ingest.onEvent });
  feedScenario(pipeline, 'cms8000', SCENARIO_START_US, seconds);
  const result = pipeline.finish();
  await ingest.close();
  await store.write.devices(result.devices);
  await store.write.alerts(result.alerts);
  return { result, ingest };
}
