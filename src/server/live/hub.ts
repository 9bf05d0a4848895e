// The live hub: what the SSE route streams. Publishers (the demo runner, sensor ingest) push
// contract events; every open /api/events connection is a subscriber.
import type { SseEvent } from '../../contract/api.js';

export type Subscriber = (ev: SseEvent) => void;

export class LiveHub {
  private readonly subs = new Set<Subscriber>();

  subscribe(fn: Subscriber): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }

  publish(ev: SseEvent): void {
    for (const fn of this.subs) {
      try {
        fn(ev);
      } catch {
        this.subs.delete(fn);
      }
    }
  }

  get size(): number {
    return this.subs.size;
  }
}
