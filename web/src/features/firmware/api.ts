import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

export function useFirmware() {
  return useQuery({ queryKey: ['firmware'], queryFn: api.firmware });
}
