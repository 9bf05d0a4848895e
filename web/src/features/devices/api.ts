import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

export function useDevices() {
  return useQuery({ queryKey: ['devices'], queryFn: () => api.devices() });
}

export function useDevice(id: string) {
  return useQuery({ queryKey: ['devices', id], queryFn: () => api.device(id) });
}
