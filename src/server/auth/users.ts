// Creating users and API tokens (for `wardwatch user add`, `token create` and the demo): the
// password or token is generated, returned once to print, and stored only hashed.
import { randomBytes } from 'node:crypto';
import type { Role, TokenScope } from '../../contract/api.js';
import { WardwatchError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { generatePassword, hashPassword, secret, sha256 } from './passwords.js';

export async function addUser(store: Store, username: string, role: Role, by = 'cli'): Promise<string> {
  if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(username))
    throw new WardwatchError('WW_ARGS', `bad user name '${username}': 1–64 of letters, digits, _ . @ -`);
  const password = generatePassword();
  const ok = await store.auth.addUser(username, role, await hashPassword(password));
  if (!ok) throw new WardwatchError('WW_ARGS', `user '${username}' exists already`);
  await store.auth.audit(by, 'user.add', username, { role });
  return password;
}

/** A new password for an existing user (the demo resets its admin on every start). */
export async function resetPassword(store: Store, username: string, by = 'cli'): Promise<string> {
  const password = generatePassword();
  if (!(await store.auth.setPassword(username, await hashPassword(password))))
    throw new WardwatchError('WW_ARGS', `no user '${username}'`);
  await store.auth.audit(by, 'user.password-reset', username);
  return password;
}

/** An API token `ww_<id>_<secret>`; only the SHA-256 of the whole token is stored. */
export async function createToken(
  store: Store,
  name: string,
  scope: TokenScope,
  by = 'cli',
): Promise<{ id: string; token: string }> {
  // Hex, not base64url: an id is typed on command lines (`token revoke ID`), where one starting with
  // '-' (1 in 64 base64url ids) read as an option and the revoke failed.
  const id = randomBytes(5).toString('hex');
  const token = `ww_${id}_${secret(24)}`;
  await store.auth.addToken({ id, name, scope, tokenHash: sha256(token) });
  await store.auth.audit(by, 'token.create', id, { name, scope });
  return { id, token };
}
