/** Organisations: platform admins list and create them; anyone else sees only their own org. */
import type { RequestContext } from '@cairn/shared/bus';
import type { Org } from '@cairn/shared/contracts';
import { forbidden, type Page } from '@cairn/shared/http';
import { callerOf, isPlatformAdmin } from '../access/policy.js';
import { type AuthRuntime, execute, isoAt } from '../runtime.js';
import { orgDecider } from './decide.js';
import { type OrgState, orgStream } from './org.js';
import { ORGS_PROJECTION, orgRowToView, queryOrgs } from './readModel.js';

export async function listOrgs(
  rt: AuthRuntime,
  input: { page: number; pageSize: number },
  context: RequestContext,
): Promise<Page<Org>> {
  const caller = await callerOf(context.actor, rt.directory);
  const table = rt.readModels.table(ORGS_PROJECTION, 'orgs');
  if (!isPlatformAdmin(caller) && caller.user.orgId === null) {
    return { items: [], page: input.page, pageSize: input.pageSize, total: 0 };
  }
  const { rows, total } = await queryOrgs(rt.pool, table, {
    ...(isPlatformAdmin(caller) ? {} : { onlyId: caller.user.orgId! }),
    page: input.page,
    pageSize: input.pageSize,
  });
  return { items: rows.map(orgRowToView), page: input.page, pageSize: input.pageSize, total };
}

export async function createOrg(rt: AuthRuntime, input: { name: string }, context: RequestContext): Promise<Org> {
  const caller = await callerOf(context.actor, rt.directory);
  if (!isPlatformAdmin(caller)) throw forbidden('Only a platform admin can create organisations');
  const orgId = rt.newId();
  const now = rt.now();
  const result = await execute(
    rt,
    orgStream(orgId),
    orgDecider,
    { type: 'CreateOrg', orgId, name: input.name, now: isoAt(now) },
    context,
    now,
  );
  await rt.readModels.waitFor(ORGS_PROJECTION, result.append?.position);
  const org = result.state as Extract<OrgState, { kind: 'existing' }>;
  return { id: org.id, name: org.name, version: org.version, createdAt: org.createdAt, updatedAt: org.updatedAt };
}
