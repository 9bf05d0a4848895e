import type { AlertListQuery } from '@contract/api';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../lib/api';

export function useAlerts(query: Partial<AlertListQuery> = {}) {
  return useQuery({ queryKey: ['alerts', query], queryFn: () => api.alerts(query) });
}

function useInvalidateAfter<A>(fn: (a: A) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['alerts'] });
      qc.invalidateQueries({ queryKey: ['overview'] });
      qc.invalidateQueries({ queryKey: ['devices'] });
    },
  });
}

export function useAck() {
  return useInvalidateAfter((a: { id: string; comment: string }) => api.ack(a.id, a.comment));
}

export function useSuppress() {
  return useInvalidateAfter((a: { id: string; reason: string; expires: string }) =>
    api.suppress(a.id, a.reason, a.expires),
  );
}
