import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

/** `sensor`: that sensor's part of the report ('' = the installation's). */
export function useBreach(sensor = '') {
  return useQuery({ queryKey: ['breach', sensor], queryFn: () => api.breach(sensor) });
}
