// Users, sessions, API tokens and the audit log. Secrets never reach this layer in clear:
// passwords arrive as scrypt hashes, session ids and token secrets as SHA-256 digests.
import { type Kysely, sql } from 'kysely';
import type { AuditEntry, Role, TokenScope } from '../contract/api.js';
import type { ApiTokensTable, DB, SessionsTable, UsersTable } from './schema.js';
import { parseJson } from './json.js';

export class AuthQueries {
  constructor(private readonly db: Kysely<DB>) {}

  async addUser(username: string, role: Role, passwordHash: string, at = new Date().toISOString()): Promise<boolean> {
    const r = await this.db
      .insertInto('users')
      .values({ username, role, password_hash: passwordHash, created_at: at })
      .onConflict((oc) => oc.column('username').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async setPassword(username: string, passwordHash: string): Promise<boolean> {
    const r = await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash })
      .where('username', '=', username)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async user(username: string): Promise<UsersTable | undefined> {
    return this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  async createSession(s: SessionsTable): Promise<void> {
    await this.db.insertInto('sessions').values(s).execute();
  }

  /** The session and its user's current role, when the session exists (expiry is the caller's check). */
  async session(idHash: string): Promise<(SessionsTable & { role: string }) | undefined> {
    return this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.username', 'sessions.username')
      .selectAll('sessions')
      .select('users.role')
      .where('sessions.id_hash', '=', idHash)
      .executeTakeFirst();
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async purgeSessions(now = new Date().toISOString()): Promise<number> {
    const r = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async addToken(t: { id: string; name: string; scope: TokenScope; tokenHash: string }, at = new Date().toISOString()) {
    await this.db
      .insertInto('api_tokens')
      .values({
        id: t.id,
        name: t.name,
        scope: t.scope,
        token_hash: t.tokenHash,
        created_at: at,
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
  }

  async tokenByHash(tokenHash: string): Promise<ApiTokensTable | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  async touchToken(id: string, at = new Date().toISOString()): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async revokeToken(id: string, at = new Date().toISOString()): Promise<boolean> {
    const r = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async audit(
    who: string,
    action: string,
    target: string | undefined,
    detail: Record<string, unknown> = {},
    at = new Date().toISOString(),
  ): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({ at, who, action, target: target ?? null, detail: JSON.stringify(detail) })
      .execute();
  }

  async auditLog(limit = 200): Promise<AuditEntry[]> {
    const rows = await this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      id: Number(r.id),
      at: r.at,
      who: r.who,
      action: r.action,
      ...(r.target !== null ? { target: r.target } : {}),
      detail: parseJson<Record<string, unknown>>(r.detail, {}),
    }));
  }

  async userCount(): Promise<number> {
    const r = await this.db.selectFrom('users').select(sql<number>`COUNT(*)`.as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
