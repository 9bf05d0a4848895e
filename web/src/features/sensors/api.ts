import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../lib/api';

/** The sensors list (admin), refreshed every 5 s: rate and lag move while sensors ship. */
export function useSensors() {
  return useQuery({ queryKey: ['sensors'], queryFn: api.sensors, refetchInterval: 5000 });
}

export function useCreateToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { name: string; site?: string }) =>
      api.createSensorToken(a.name, a.site !== undefined && a.site !== '' ? { site: a.site } : {}),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['sensors'] }),
  });
}

export function useRevokeToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.revokeToken(id),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['sensors'] }),
  });
}
