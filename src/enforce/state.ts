// The enforcement state dir ($WARDWATCH_HOME or --state): what is applied, the ruleset it
// replaced, open grants, and the audit log (one JSON object a line: who, when, why, the diff).
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Grant } from '../contract/policy.js';

export interface Applied {
  readonly id: string;
  readonly policyFile: string;
  readonly appliedAt: string;
  readonly by: string;
  readonly reason: string;
  readonly target: string;
  /** ISO time the apply rolls back by itself unless confirmed; absent when confirmed. */
  confirmBy?: string;
  confirmedAt?: string;
  /** Device id / address → its chain tag, for grants. */
  readonly tags: Record<string, string>;
  readonly addresses: string[];
  readonly timeZone: string;
}

export interface AuditEntry {
  readonly ts: string;
  readonly action: 'apply' | 'confirm' | 'rollback' | 'grant';
  readonly by: string;
  readonly reason: string;
  readonly target: string;
  readonly id?: string;
  readonly diff?: string[];
  readonly detail?: Record<string, unknown>;
}

export class StateDir {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  private path(name: string): string {
    return join(this.dir, name);
  }
  private writeAtomic(name: string, text: string): void {
    const tmp = this.path(`.${name}.tmp`);
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, this.path(name));
  }
  applied(): Applied | undefined {
    const p = this.path('applied.json');
    return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Applied) : undefined;
  }
  setApplied(a: Applied | undefined): void {
    if (a === undefined) this.writeAtomic('applied.json', 'null');
    else this.writeAtomic('applied.json', `${JSON.stringify(a, null, 2)}\n`);
  }
  /** The ruleset an apply replaced (what rollback restores). */
  snapshot(): string | undefined {
    const p = this.path('snapshot.nft');
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  }
  setSnapshot(text: string): void {
    this.writeAtomic('snapshot.nft', text);
  }
  grants(now = Date.now()): Grant[] {
    const p = this.path('grants.json');
    if (!existsSync(p)) return [];
    const all = Grant.array().parse(JSON.parse(readFileSync(p, 'utf8')));
    return all.filter((g) => Date.parse(g.until) > now);
  }
  addGrant(g: Grant): void {
    this.writeAtomic('grants.json', `${JSON.stringify([...this.grants(), g], null, 2)}\n`);
  }
  audit(e: Omit<AuditEntry, 'ts'>): AuditEntry {
    const entry: AuditEntry = { ts: new Date().toISOString(), ...e };
    appendFileSync(this.path('audit.jsonl'), `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    return entry;
  }
  auditLog(): AuditEntry[] {
    const p = this.path('audit.jsonl');
    if (!existsSync(p)) return [];
    return readFileSync(p, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as AuditEntry);
  }
}

/** Lines only in `before` ("- …") and only in `after` ("+ …"): the audit log's diff. */
export function lineDiff(before: string, after: string): string[] {
  const norm = (t: string) =>
    t
      .split('\n')
      .map((l) => l.trim().replace(/counter packets \d+ bytes \d+/, 'counter'))
      .filter((l) => l !== '' && !l.startsWith('#'));
  const a = norm(before);
  const b = norm(after);
  const sa = new Set(a);
  const sb = new Set(b);
  return [...a.filter((l) => !sb.has(l)).map((l) => `- ${l}`), ...b.filter((l) => !sa.has(l)).map((l) => `+ ${l}`)];
}
