/**
 * The first admin, from CAIRN_ADMIN_USERNAME / CAIRN_ADMIN_PASSWORD, when no admin exists yet. Replicas
 * starting together all try; the username claim lets exactly one create it, and the others see the
 * conflict and carry on.
 */
import { DomainError } from '@cairn/shared/http';
import type { AuthRuntime } from '../runtime.js';
import { userIdOfUsername } from '../usernames/claim.js';
import { createAccount } from '../users/accounts.js';

/**
 * `adminExists` asks the users read model (caught up by the caller); the claim stream of the configured
 * name is checked first because it is always current.
 */
export async function bootstrapAdmin(
  rt: AuthRuntime,
  adminExists: () => Promise<boolean>,
): Promise<'created' | 'exists' | 'skipped'> {
  const admin = rt.config.admin;
  if (!admin) return 'skipped';
  if ((await userIdOfUsername(rt, admin.username)) !== undefined) return 'exists';
  if (await adminExists()) return 'exists';
  try {
    const user = await createAccount(
      rt,
      {
        kind: 'administrative',
        username: admin.username,
        displayName: 'Administrator',
        passwordHash: await rt.passwords.hash(admin.password),
        userType: 'admin',
        orgId: null,
        roleIds: [],
      },
      { requestId: 'bootstrap', actor: { kind: 'system', id: 'auth-bootstrap' } },
    );
    rt.logger.info({ userId: user.id, username: admin.username }, 'first admin created');
    return 'created';
  } catch (error) {
    if (error instanceof DomainError && error.code === 'CONFLICT') return 'exists';
    throw error;
  }
}
