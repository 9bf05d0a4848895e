// What every breach report says about itself: the captures it came from and their window.
// No wall-clock time here, so the same captures give the same report (golden files).
export interface ReportMeta {
  files: readonly string[];
  first?: string;
  last?: string;
  version?: string;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
