/**
 * Machine-id bindings and history (CONTRACT.md "Accounts v2"), scoped to the calling user. Binding and
 * recording need an account the user has and has not deleted (else 404 ACCOUNT_NOT_FOUND); unbinding
 * does not (it only ever removes). Writes answer once the machine-ids read model shows them.
 */
import type { RequestContext } from '@cairn/shared/bus';
import type { MachineIdBinding, MachineIdHistoryEntry } from '@cairn/shared/contracts';
import { DomainError, type Page } from '@cairn/shared/http';
import { ownerOf } from '../library/owner.js';
import { type AccountsRuntime, execute, isoAt } from '../runtime.js';
import { accountStanding } from './accountStanding.js';
import { machineIdStream, toBindingView } from './binding.js';
import { bindingNotFound, machineIdDecider } from './decideBinding.js';
import { unbindPurgedAccount } from './reactor.js';
import { MACHINE_IDS_PROJECTION, type MachineIdQuery, queryBindings, queryHistory } from './readModel.js';

const accountNotFound = (): DomainError => new DomainError('ACCOUNT_NOT_FOUND', 'Account not found');

type ListInput = Omit<MachineIdQuery, 'ownerId'>;

export async function listMachineIdBindings(
  rt: AccountsRuntime,
  input: ListInput,
  context: RequestContext,
): Promise<Page<MachineIdBinding>> {
  const table = rt.readModels.table(MACHINE_IDS_PROJECTION, 'machine_id_bindings');
  return queryBindings(rt.pool, table, { ownerId: ownerOf(context), ...input });
}

export async function listMachineIdHistory(
  rt: AccountsRuntime,
  input: ListInput,
  context: RequestContext,
): Promise<Page<MachineIdHistoryEntry>> {
  const table = rt.readModels.table(MACHINE_IDS_PROJECTION, 'machine_id_history');
  return queryHistory(rt.pool, table, { ownerId: ownerOf(context), ...input });
}

export async function bindMachineId(
  rt: AccountsRuntime,
  input: { accountId: string; machineId: string; reason?: string | undefined; version?: number | undefined },
  context: RequestContext,
): Promise<MachineIdBinding> {
  const ownerId = ownerOf(context);
  const { accountId } = input;
  if ((await accountStanding(rt.store, ownerId, accountId)) !== 'active') throw accountNotFound();
  const now = rt.now();
  const result = await execute(
    rt,
    machineIdStream(ownerId, accountId),
    machineIdDecider,
    {
      type: 'BindMachineId',
      ownerId,
      accountId,
      machineId: input.machineId,
      reason: input.reason ?? null,
      expectedVersion: input.version,
      now: isoAt(now),
    },
    context,
    now,
  );
  // An account purged between the check and the bind: the purge's reaction may have run before the bind
  // and found nothing to unbind. Looking again after the bind closes that gap.
  if (result.append && (await accountStanding(rt.store, ownerId, accountId)) === 'missing') {
    await rt.readModels.waitFor(MACHINE_IDS_PROJECTION, await unbindPurgedAccount(rt, ownerId, accountId, context));
    throw accountNotFound();
  }
  await rt.readModels.waitFor(MACHINE_IDS_PROJECTION, result.append?.position);
  const { version, binding } = result.state;
  return toBindingView(accountId, version, binding!);
}

/** Unbinds; the answer is the binding as it was, at the version its unbinding gave it. */
export async function unbindMachineId(
  rt: AccountsRuntime,
  input: { accountId: string; version: number; reason?: string | undefined },
  context: RequestContext,
): Promise<MachineIdBinding> {
  const ownerId = ownerOf(context);
  const now = rt.now();
  const result = await execute(
    rt,
    machineIdStream(ownerId, input.accountId),
    machineIdDecider,
    {
      type: 'UnbindMachineId',
      ownerId,
      accountId: input.accountId,
      reason: input.reason ?? null,
      expectedVersion: input.version,
      now: isoAt(now),
    },
    context,
    now,
  );
  await rt.readModels.waitFor(MACHINE_IDS_PROJECTION, result.append?.position);
  const unbound = result.newEvents[0];
  if (unbound?.type !== 'MachineIdUnbound') throw bindingNotFound();
  const { machineId, boundAt, version, at } = unbound.data;
  return { accountId: input.accountId, machineId, version, boundAt, updatedAt: at };
}

export async function recordMachineIdHistory(
  rt: AccountsRuntime,
  input: { accountId: string; machineId: string; reason?: string | undefined; at?: string | undefined },
  context: RequestContext,
): Promise<MachineIdHistoryEntry> {
  const ownerId = ownerOf(context);
  const { accountId, machineId } = input;
  if ((await accountStanding(rt.store, ownerId, accountId)) !== 'active') throw accountNotFound();
  const now = rt.now();
  const entryId = rt.newId();
  const usedAt = input.at === undefined ? isoAt(now) : new Date(input.at).toISOString();
  const reason = input.reason ?? null;
  const result = await execute(
    rt,
    machineIdStream(ownerId, accountId),
    machineIdDecider,
    { type: 'RecordMachineId', ownerId, accountId, entryId, machineId, reason, usedAt, now: isoAt(now) },
    context,
    now,
  );
  await rt.readModels.waitFor(MACHINE_IDS_PROJECTION, result.append?.position);
  return { id: entryId, accountId, machineId, kind: 'recorded', reason, at: usedAt };
}
