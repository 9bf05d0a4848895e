import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

/** `sensor`: only that sensor's devices (issue 20; 'local' is the console's own capture). */
export function useDevices(sensor = '') {
  return useQuery({
    queryKey: ['devices', 'list', sensor],
    queryFn: () => api.devices(sensor !== '' ? { sensor } : {}),
  });
}

export function useDevice(id: string) {
  return useQuery({ queryKey: ['devices', id], queryFn: () => api.device(id) });
}
