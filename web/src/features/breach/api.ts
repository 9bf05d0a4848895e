import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

export function useBreach() {
  return useQuery({ queryKey: ['breach'], queryFn: api.breach });
}
