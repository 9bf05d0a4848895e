import type { ApplyRequest, GrantRequest, ProposeRequest } from '@contract/policy-api';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../lib/api';

export function usePolicies() {
  return useQuery({ queryKey: ['policies'], queryFn: api.policies });
}

export function usePolicy(device: string) {
  return useQuery({ queryKey: ['policies', device], queryFn: () => api.policy(device) });
}

/** Every policy change refreshes the list and the device's page (versions, grants, audit trail). */
function useChange<A, R>(fn: (a: A) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => qc.invalidateQueries({ queryKey: ['policies'] }) });
}

export function usePropose(device: string) {
  return useChange((body: ProposeRequest) => api.propose(device, body));
}

export function useSimulate(device: string) {
  return useMutation({ mutationFn: (version?: number) => api.simulate(device, version) });
}

export function useApply(device: string) {
  return useChange((body: ApplyRequest) => api.apply(device, body));
}

export function useGrant(device: string) {
  return useChange((body: GrantRequest) => api.grant(device, body));
}

export function useConfirm() {
  return useChange((reason: string) => api.confirm(reason));
}

export function useRollback() {
  return useChange((reason: string) => api.rollback(reason));
}
