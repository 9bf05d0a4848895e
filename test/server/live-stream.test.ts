// The console's live ingest (server/live/stream-store.ts): the demo ward's alerts and devices
// reach the store and the SSE hub while an epoch is still being fed, and stored counts are the
// sum of what each epoch saw — streamed running totals are never added twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SseEvent } from '../../src/contract/api.js';
import { loadConfig } from '../../src/config/config.js';
import { alertKey } from '../../src/contract/records.js';
import { Pipeline } from '../../src/engine/analyze.js';
import { LiveHub } from '../../src/server/live/hub.js';
import { feedFrames, feedScenario, renderScenario } from '../../src/server/live/sim-feed.js';
import { StoreStream } from '../../src/server/live/stream-store.js';
import { SCENARIO_START_US } from '../../src/sim/scenarios.js';
import { openStore } from '../../src/store/open.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-live-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SALT = 'cd'.repeat(32);
const SECONDS = 60;

describe('live ingest into the store', () => {
  it('stores and publishes alerts as rules fire, and adds epochs up once', async () => {
    const store = await openStore(join(dir, 'live.db'));
    const hub = new LiveHub();
    const events: SseEvent[] = [];
    hub.subscribe((ev) => events.push(ev));
    const records = new StoreStream(store, hub);
    try {
      const config = loadConfig(undefined);
      // Epoch 1, fed in two halves with a flush between, as the demo runner's ticks do.
      const p1 = new Pipeline({ config, salt: SALT, stream: { sink: records.epoch(), updateSeconds: 5 } });
      const sim = renderScenario('cms8000', SCENARIO_START_US, SECONDS);
      const i = feedFrames(p1, sim, 0, SCENARIO_START_US + (SECONDS / 2) * 1e6);
      await records.flush();
      const early = await store.alerts.list({ limit: 1000, offset: 0 });
      expect(early.alerts.map((a) => a.rule)).toContain('egress.ioc');
      expect(events.some((e) => e.type === 'alert')).toBe(true);
      expect(events.some((e) => e.type === 'device')).toBe(true);
      feedFrames(p1, sim, i);
      await records.flush();
      const r1 = p1.finish();
      await records.flush();

      // Epoch 2: the same ward a minute later (new flows, same alert keys).
      const p2 = new Pipeline({ config, salt: SALT, stream: { sink: records.epoch(), updateSeconds: 5 } });
      feedScenario(p2, 'cms8000', SCENARIO_START_US + SECONDS * 1e6, SECONDS);
      await records.flush();
      const r2 = p2.finish();
      await records.flush();

      const want = new Map<string, number>();
      for (const a of [...r1.alerts, ...r2.alerts]) want.set(alertKey(a), (want.get(alertKey(a)) ?? 0) + a.count);
      const stored = await store.alerts.list({ limit: 1000, offset: 0 });
      expect(stored.total).toBe(want.size);
      for (const a of stored.alerts) expect([a.id, a.count]).toEqual([a.id, want.get(a.id)]);
      // Some alert's count grew while streaming (the case that would double without deltas).
      expect(r1.alerts.some((a) => a.count > 1)).toBe(true);

      const packets = new Map<string, number>();
      for (const d of [...r1.devices, ...r2.devices]) packets.set(d.id, (packets.get(d.id) ?? 0) + (d.packets ?? 0));
      const rows = await store.db.selectFrom('devices').select(['id', 'packets']).execute();
      expect(rows).toHaveLength(packets.size);
      for (const r of rows) expect([r.id, Number(r.packets)]).toEqual([r.id, packets.get(r.id)]);
    } finally {
      await store.close();
    }
  });
});
