// The live feed: one EventSource on GET /api/events for the whole console. Every message is parsed
// with the contract's SseEvent schema; alerts and devices invalidate the cached lists so pages
// stay current, and the last messages are kept for the overview's feed.
import { SseEvent } from '@contract/api';
import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { api } from './api';

export type LiveState = { connected: boolean; events: { at: string; event: SseEvent }[] };
const LiveContext = createContext<LiveState>({ connected: false, events: [] });
const TYPES = ['alert', 'device', 'alert-state', 'stats'] as const;
const KEEP = 30;

export function LiveProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const [state, setState] = useState<LiveState>({ connected: false, events: [] });
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    // A busy ward sends many events a second: refetch the lists at most every 2 s, not per event.
    let pending: { alerts: boolean; devices: boolean } | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const invalidate = (devices: boolean) => {
      if (pending) {
        pending.devices ||= devices;
        return;
      }
      pending = { alerts: true, devices };
      timer = setTimeout(() => {
        qc.invalidateQueries({ queryKey: ['alerts'] });
        qc.invalidateQueries({ queryKey: ['overview'] });
        qc.invalidateQueries({ queryKey: ['breach'] });
        if (pending?.devices) qc.invalidateQueries({ queryKey: ['devices'] });
        pending = null;
      }, 2_000);
    };
    const es = new EventSource(api.eventsUrl(), { withCredentials: true });
    const onMessage = (m: MessageEvent<string>) => {
      let data: unknown;
      try {
        data = JSON.parse(m.data);
      } catch {
        return;
      }
      const parsed = SseEvent.safeParse(data);
      if (!parsed.success) return;
      const event = parsed.data;
      if (event.type !== 'stats') invalidate(event.type === 'device');
      setState((s) => ({ ...s, events: [{ at: new Date().toISOString(), event }, ...s.events].slice(0, KEEP) }));
    };
    es.onopen = () => setState((s) => ({ ...s, connected: true }));
    es.onerror = () => setState((s) => ({ ...s, connected: false }));
    es.onmessage = onMessage;
    for (const t of TYPES) es.addEventListener(t, onMessage as EventListener);
    return () => {
      es.close();
      clearTimeout(timer);
    };
  }, [qc]);
  return <LiveContext.Provider value={state}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveState {
  return useContext(LiveContext);
}
