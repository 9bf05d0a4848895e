import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

/** `sensor`: that sensor's counts only ('' = the installation). */
export function useOverview(sensor = '') {
  return useQuery({ queryKey: ['overview', sensor], queryFn: () => api.overview(sensor) });
}
