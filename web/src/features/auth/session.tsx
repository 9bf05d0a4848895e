// Who is logged in. GET /api/session on start (a cookie from an earlier login still works, and the
// answer carries the CSRF token again); 401 means "show the login page".
import type { LoginRequest, SessionResponse } from '@contract/api';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext } from 'react';
import { api } from '../../lib/api';

const SessionContext = createContext<SessionResponse | null>(null);

export function SessionProvider({ session, children }: { session: SessionResponse; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionResponse {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a session');
  return s;
}

export function useCanChange(): boolean {
  const role = useSession().user.role;
  return role === 'analyst' || role === 'admin';
}

export function useSessionQuery() {
  return useQuery({ queryKey: ['session'], queryFn: api.session, retry: false, staleTime: Number.POSITIVE_INFINITY });
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: LoginRequest) => api.login(body),
    onSuccess: (s) => qc.setQueryData(['session'], s),
  });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: api.logout,
    onSettled: () => {
      qc.clear();
      qc.invalidateQueries({ queryKey: ['session'] });
    },
  });
}
