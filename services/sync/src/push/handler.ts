/**
 * `push`: a client's local changes, each item turned into a command to the accounts service with the
 * version the client read, each answered on its own (applied, conflict, error). The answer's cursor is
 * at or after the client's own writes: the push waits until the change log has recorded them, so the
 * client's next `changes` does not hand its own writes back as news, nor miss anything before them.
 * Repeats of a (clientId, mutationId) are answered by the idempotency store wrapped around this handler.
 */
import type { RequestContext, RpcReply } from '@cairn/shared/bus';
import {
  ACCOUNTS_SERVICE,
  MAX_PUSH_ITEMS,
  type PushItemResult,
  type SyncPushRequest,
  type syncPushResultSchema,
} from '@cairn/shared/contracts';
import { DomainError } from '@cairn/shared/http';
import { mapConcurrently } from '@cairn/shared/runtime';
import type { z } from 'zod';
import { encodeCursor } from '../changelog/cursor.js';
import { callerId } from '../read/handlers.js';
import type { SyncRuntime } from '../runtime.js';
import { outcomeOf } from './outcome.js';
import {
  accountBatch,
  countItems,
  type ItemCall,
  labelCalls,
  PUSH_ORDER,
  type PushedResource,
  settingCalls,
  settingDeletes,
} from './plan.js';
import { type AppliedChange, waitUntilRecorded } from './wait.js';

const CONCURRENT_CALLS = 16;
type PushResult = z.input<typeof syncPushResultSchema>;

export async function push(rt: SyncRuntime, input: SyncPushRequest, context: RequestContext): Promise<PushResult> {
  const userId = callerId(context);
  const total = countItems(input.changes);
  if (total > MAX_PUSH_ITEMS) {
    throw new DomainError('PAYLOAD_TOO_LARGE', `A push holds at most ${MAX_PUSH_ITEMS} items (this one ${total})`);
  }
  // The push's own idempotency key must not follow its items: each is a command of its own.
  const { idempotencyKey: _key, ...callContext } = context;
  const call = (operation: string, payload: unknown) =>
    rt.bus.request(ACCOUNTS_SERVICE, operation, payload, { context: callContext, timeoutMs: rt.config.pushWaitMs });

  const results: Record<PushedResource, PushItemResult[]> = { groups: [], tags: [], accounts: [], settings: [] };
  const applied: AppliedChange[] = [];
  const keep = (resource: PushedResource, result: PushItemResult, kind: 'write' | 'delete') => {
    results[resource].push(result);
    if (result.status === 'applied') applied.push({ resource, id: result.id, version: result.version, kind });
  };

  for (const resource of PUSH_ORDER) {
    if (resource === 'accounts') {
      const batch = accountBatch(input.changes.accounts);
      if (batch.operations.length === 0) continue;
      const reply = await callSafely(() => call('batchAccounts', { operations: batch.operations }));
      batch.ids.forEach((id, index) => {
        const kind = batch.kinds[index] ?? 'write';
        keep(resource, outcomeOf(id, batchItemAnswer(reply, index), kind), kind);
      });
      continue;
    }
    const calls: ItemCall[] =
      resource === 'settings' ? settingCalls(input.changes.settings) : labelCalls(resource, input.changes[resource]);
    const answers = await mapConcurrently(calls, CONCURRENT_CALLS, (item) =>
      callSafely(() => call(item.operation, item.payload)),
    );
    calls.forEach((item, index) => {
      keep(resource, outcomeOf(item.id, answers[index] ?? unavailable, item.kind), item.kind);
    });
    if (resource === 'settings') {
      for (const key of settingDeletes(input.changes.settings)) {
        keep(
          resource,
          { id: key, status: 'error', error: { error: 'VALIDATION_ERROR', message: 'Settings cannot be deleted' } },
          'delete',
        );
      }
    }
  }

  const lastSeq = await waitUntilRecorded(rt, userId, applied);
  return { results, cursor: encodeCursor(lastSeq) };
}

const unavailable = {
  ok: false,
  error: { code: 'SERVICE_UNAVAILABLE', message: 'The accounts service is unavailable; retry later' },
} as const;

/** A bus failure (timeout, nobody serving) is the item's error, not the whole push's. */
async function callSafely(send: () => Promise<RpcReply<unknown>>): Promise<RpcReply<unknown>> {
  try {
    return await send();
  } catch {
    return unavailable;
  }
}

interface BatchReply {
  readonly results: ReadonlyArray<{
    readonly index: number;
    readonly success: boolean;
    readonly data?: unknown;
    readonly error?: { readonly error: string; readonly message: string; readonly details?: unknown };
  }>;
}

/** One item of the accounts batch's answer, shaped like a single call's. */
function batchItemAnswer(reply: RpcReply<unknown>, index: number) {
  if (!reply.ok) return reply;
  const item = (reply.data as BatchReply).results.find((r) => r.index === index);
  if (!item) return { ok: false, error: { code: 'INTERNAL_ERROR', message: 'No result for this item' } };
  if (item.success) return { ok: true, data: item.data };
  return {
    ok: false,
    error: {
      code: item.error?.error ?? 'INTERNAL_ERROR',
      message: item.error?.message ?? '',
      ...(item.error?.details !== undefined ? { details: item.error.details } : {}),
    },
  };
}
